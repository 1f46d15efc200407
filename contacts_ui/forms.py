import re
from urllib.parse import urlencode

import phonenumbers
from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from . import roles
from .models import ApiCredentials, HistoryEntry
from .serwersms import CONTACT_FIELDS, PAGE_LIMIT, ContactData, token_is_sendable


class ListQuery(forms.Form):
    """The query string of a list page. A bad value falls back to its default
    rather than being refused: a list always shows."""

    q = forms.CharField(required=False, max_length=100, strip=True)
    p = forms.IntegerField(required=False, min_value=1, max_value=100_000)
    o = forms.ChoiceField(required=False, choices=[])

    defaults = {"q": "", "p": 1, "o": ""}
    # The order of the parameters in the list's URLs.
    url_keys = ("q", "o", "p")

    def clean(self):
        for name, default in self.defaults.items():
            if name in self.errors or self.cleaned_data.get(name) in (None, ""):
                self.cleaned_data[name] = default
        return self.cleaned_data

    @classmethod
    def read(cls, data) -> dict:
        query = cls(data)
        query.is_valid()
        return query.cleaned_data

    @classmethod
    def url(cls, query: dict, **changes) -> str:
        """The list's query string with some values changed; defaults are left out."""
        values = {**query, **changes}
        pairs = [
            (key, values[key])
            for key in cls.url_keys
            if values.get(key) not in (None, "", cls.defaults.get(key))
        ]
        return "?" + urlencode(pairs)


def _orderings(*fields: str) -> list[tuple[str, str]]:
    return [(f, f) for f in fields] + [(f"-{f}", f"-{f}") for f in fields]


class GroupListQuery(ListQuery):
    o = forms.ChoiceField(required=False, choices=_orderings("name"))
    defaults = {**ListQuery.defaults, "o": "name"}


class GroupForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        strip=True,
        help_text=_("Up to 100 characters."),
    )


class GroupDeleteForm(forms.Form):
    delete_contacts = forms.BooleanField(required=False)


class InvitationForm(forms.Form):
    """Whom a superuser invites, and in which role (contacts_ui.roles)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=150,  # it becomes the person's username
        help_text=_("The invitation goes here; the person signs in with this address."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[(role, label) for role, label in roles.ROLE_LABELS.items()],
        widget=forms.RadioSelect,
        initial=roles.EDITOR,
    )

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        User = get_user_model()
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError(
                _("Someone with this address has a login already."), code="taken"
            )
        return email


class CredentialsForm(forms.Form):
    """A user's SerwerSMS API credentials; the secret is never rendered back."""

    auth_style = forms.ChoiceField(
        label=_("Sign in with"),
        choices=ApiCredentials.AUTH_STYLES,
        widget=forms.RadioSelect,
        initial=ApiCredentials.TOKEN,
        help_text=_(
            "Tokens are made in the SerwerSMS panel: Settings → HTTPS API → API tokens. "
            "The older way is an API user's login and password."
        ),
    )
    username = forms.CharField(
        label=_("API username"),
        required=False,
        max_length=150,
        help_text=_("Only for sign-in with username and password."),
    )
    secret = forms.CharField(
        label=_("Token or password"),
        required=False,
        max_length=1000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, stored: ApiCredentials | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = stored
        if stored is not None:
            self.fields["secret"].help_text = _(
                "A secret is saved. Leave this empty to keep it; it is never shown again."
            )

    # Error reports show none of its local variables: `cleaned` holds the secret.
    @sensitive_variables()
    def clean(self):
        cleaned = super().clean()
        style = cleaned.get("auth_style")
        if style == ApiCredentials.PASSWORD and not cleaned.get("username"):
            self.add_error("username", _("Enter the API username."))
        if style == ApiCredentials.TOKEN:
            # The username is for sign-in with a password alone: with a token, whatever is
            # left in its box (too long, say) is neither checked nor kept.
            self._errors.pop("username", None)
            cleaned["username"] = ""
            if cleaned.get("secret") and not token_is_sendable(cleaned["secret"]):
                self.add_error(
                    "secret",
                    _(
                        "An API token is made of letters, digits and punctuation only, "
                        "with no spaces; check that it was copied whole."
                    ),
                )
        if not cleaned.get("secret") and not self._can_keep_stored_secret(cleaned):
            self.add_error(
                "secret",
                _("Enter the API token.")
                if style == ApiCredentials.TOKEN
                else _("Enter the API password."),
            )
        return cleaned

    def _can_keep_stored_secret(self, cleaned) -> bool:
        # The saved secret belongs to one sign-in method and username.
        return (
            self.stored is not None
            and self.stored.auth_style == cleaned.get("auth_style")
            and self.stored.username == cleaned.get("username", "")
        )

    def new_secret(self) -> str | None:
        """The secret typed now, or None to keep the stored one."""
        return self.cleaned_data.get("secret") or None


CONTACT_SORTS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "company",
    "tax_id",
    "address",
    "city",
    "description",
)
# The contacts list's columns, and the export's: (sort key, heading). Optional ones show
# when the user switches them on; the rest always show.
CONTACT_COLUMNS = [
    ("first_name", _("First name")),
    ("last_name", _("Last name")),
    ("phone", _("Phone")),
    ("email", _("Email")),
    ("company", _("Company")),
    ("city", _("City")),
    ("tax_id", _("Tax ID")),
    ("address", _("Address")),
    ("description", _("Description")),
]
OPTIONAL_CONTACT_COLUMNS = ("tax_id", "address", "description")
PAGE_SIZES = (25, 50, 100, 200)


class ContactListQuery(ListQuery):
    o = forms.ChoiceField(required=False, choices=_orderings(*CONTACT_SORTS))
    # A group's id, or "none" for contacts in no group; anything else means all.
    g = forms.RegexField(required=False, regex=r"\A(none|[1-9][0-9]{0,17})\Z")
    n = forms.TypedChoiceField(required=False, coerce=int, choices=[(s, s) for s in PAGE_SIZES])
    # On the blacklist or not (the API cannot filter by it: the list looks through the
    # search's contacts for it, from `s`, how many of them earlier pages looked through).
    b = forms.ChoiceField(required=False, choices=[("yes", "yes"), ("no", "no")])
    s = forms.IntegerField(required=False, min_value=0, max_value=10_000_000)
    defaults = {**ListQuery.defaults, "o": "last_name", "g": "", "n": None, "b": "", "s": 0}
    url_keys = ("q", "g", "b", "o", "n", "p", "s")

    @staticmethod
    def search_params(query: dict) -> dict:
        """What contacts/index takes for the list's search, group filter and sort."""
        return {
            "search": query["q"] or None,
            "group_id": query["g"] or None,
            "sort": query["o"].lstrip("-"),
            "order": "desc" if query["o"].startswith("-") else "asc",
        }


def normalise_phone(raw: str) -> str:
    """E.164 for a number typed in any common format; Polish unless it says otherwise."""
    if "*" in raw:
        # As SerwerSMS shows a number to an API user who may not see numbers: the digits
        # left would make another number.
        raise forms.ValidationError(
            _(
                "SerwerSMS shows this number hidden (the API user may not see phone numbers), "
                "so it cannot be saved; type the whole number, or ask for the permission."
            ),
            code="phone_hidden",
        )
    try:
        number = phonenumbers.parse(raw, "PL")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise forms.ValidationError(
            _("Enter a phone number, such as 500 600 700 or +48 500 600 700."), code="phone"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def nip_digits(value: str) -> str | None:
    """The ten digits of something that looks like a Polish NIP, else None."""
    compact = re.sub(r"[\s-]", "", value).upper().removeprefix("PL")
    return compact if re.fullmatch(r"\d{10}", compact) else None


def nip_is_valid(digits: str) -> bool:
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    return check != 10 and check == int(digits[9])


def validate_nip(value: str) -> None:
    """Something that looks like a Polish NIP must have the right check digit; other tax
    ids are kept as typed."""
    digits = nip_digits(value)
    if digits is not None and not nip_is_valid(digits):
        raise forms.ValidationError(
            _("This NIP’s check digit is wrong; check it for a typo."), code="nip"
        )


class PhoneField(forms.CharField):
    """A phone number typed in any common format, cleaned to E.164 (normalise_phone)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=40, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return normalise_phone(value) if value else value


def _text(label, **kwargs):
    return forms.CharField(label=label, required=False, max_length=255, strip=True, **kwargs)


class GroupPicker(FilteredSelectMultiple):
    """The admin's two-box picker, for every group of the account. Its options are written
    here, not by a template each (two includes an option were most of the form's time)."""

    template_name = "contacts_ui/widgets/group_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = (option for _, group, _ in context["widget"]["optgroups"] for option in group)
        context["widget"]["options_html"] = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for option in options
            ),
        )
        return context


class ContactForm(forms.Form):
    """A contact's fields, named as the API names them."""

    first_name = _text(_("First name"))
    last_name = _text(_("Last name"))
    phone = PhoneField(
        label=_("Phone"),
        help_text=_("Any common format; Polish numbers need no +48. Saved as +48500600700."),
    )
    email = forms.EmailField(label=_("Email"), required=False, max_length=255)
    company = _text(_("Company"))
    tax_id = _text(
        _("Tax ID (NIP)"),
        help_text=_("A Polish NIP is checked; other tax ids are kept as typed."),
        validators=[validate_nip],
    )
    address = _text(_("Address"))
    city = _text(_("City"))
    description = _text(_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    group_id = forms.TypedMultipleChoiceField(
        label=_("Groups"),
        required=False,
        coerce=int,
        choices=[],
        widget=GroupPicker(_("groups"), is_stacked=False),
    )

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group_id"].choices = [(g.id, g.name) for g in groups]

    FIELDSETS = (
        (_("Person"), ("first_name", "last_name", "phone", "email")),
        (_("Company and address"), ("company", "tax_id", "address", "city", "description")),
        (_("Groups"), ("group_id",)),
    )

    def fieldsets(self):
        """The admin's fieldsets: (title, bound fields)."""
        return [(title, [self[name] for name in names]) for title, names in self.FIELDSETS]

    @classmethod
    def clean_contact_fields(
        cls, values: dict[str, str]
    ) -> tuple[dict[str, str], dict[str, list[str]]]:
        """A contact's fields (a row of an import, say) cleaned by this form's own rules:
        the cleaned values (as given where a field is invalid), and for each invalid field
        its messages, each naming the field."""
        cleaned, errors = dict(values), {}
        for name in CONTACT_FIELDS:
            field = cls.base_fields[name]
            try:
                cleaned[name] = field.clean(values[name])
            except forms.ValidationError as error:
                errors[name] = [
                    _("%(field)s: %(error)s") % {"field": field.label, "error": message}
                    for message in error.messages
                ]
        return cleaned, errors

    def contact_data(self) -> ContactData:
        return ContactData(**{name: self.cleaned_data[name] for name in CONTACT_FIELDS})

    def api_error_field(self, message: str, code: int) -> str | None:
        """The form field an API validation message is about, if it names one."""
        if code == 2001:
            return "phone"
        for name in (*CONTACT_FIELDS, "group_id"):
            if re.search(rf"\b{name}\b", message):
                return name
        return None


class FindByPhoneForm(forms.Form):
    phone = PhoneField(
        label=_("Phone number"),
        help_text=_("Any common format: 500 600 700, +48 500-600-700, 0048500600700."),
    )


HISTORY_DATES = (
    ("today", _("Today")),
    ("week", _("Past 7 days")),
    ("month", _("This month")),
)


class BlacklistQuery(ListQuery):
    """The blacklist page's query string: part of a number, and the page."""

    url_keys = ("q", "p")


class BlacklistNumberForm(forms.Form):
    """A number to put on the blacklist or take off it, in any common format."""

    phone = PhoneField(
        label=_("Phone number"),
        help_text=_("Any common format: 500 600 700, +48 500-600-700, 0048500600700."),
    )


class HistoryListQuery(ListQuery):
    """The history list's query string: a search, filters, and one record's history
    (`kind` and `target`, its id at SerwerSMS)."""

    a = forms.ChoiceField(required=False, choices=HistoryEntry.Action.choices)
    u = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    d = forms.ChoiceField(required=False, choices=HISTORY_DATES)
    kind = forms.ChoiceField(
        required=False, choices=[(HistoryEntry.CONTACT, "contact"), (HistoryEntry.GROUP, "group")]
    )
    target = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    # The items of one bulk action.
    batch = forms.UUIDField(required=False)
    defaults = {
        **ListQuery.defaults,
        "a": "",
        "u": None,
        "d": "",
        "kind": "",
        "target": None,
        "batch": None,
    }
    url_keys = ("q", "a", "u", "d", "kind", "target", "batch", "p")


class ContactActionForm(forms.Form):
    """A bulk action on the contacts list, as the admin's action bar posts it."""

    DELETE = "delete"
    ADD_TO_GROUP = "add_to_group"
    REMOVE_FROM_GROUP = "remove_from_group"
    MOVE_TO_GROUP = "move_to_group"
    BLACKLIST_ADD = "blacklist_add"
    BLACKLIST_REMOVE = "blacklist_remove"
    ACTIONS = [
        (DELETE, _("Delete selected contacts")),
        (ADD_TO_GROUP, _("Add selected contacts to a group")),
        (REMOVE_FROM_GROUP, _("Remove selected contacts from a group")),
        (MOVE_TO_GROUP, _("Move selected contacts to a group")),
        (BLACKLIST_ADD, _("Stop messages to selected contacts (blacklist)")),
        (BLACKLIST_REMOVE, _("Allow messages again to selected contacts")),
    ]
    GROUP_ACTIONS = (ADD_TO_GROUP, REMOVE_FROM_GROUP, MOVE_TO_GROUP)

    action = forms.ChoiceField(
        label=_("Action"),
        choices=ACTIONS,
        error_messages={
            "required": _("Choose an action."),
            "invalid_choice": _("Choose an action."),
        },
    )
    # Every contact the list's search and filter find, not just those ticked.
    select_across = forms.BooleanField(required=False)
    group_id = forms.TypedChoiceField(label=_("Group"), coerce=int, required=False, choices=[])

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group_id"].choices = [("", "---------")] + [
            (group.id, group.name) for group in groups
        ]
        self.group_names = {group.id: group.name for group in groups}

    def selected_ids(self) -> list[int]:
        """The ticked rows' contact ids (anything that is not an id is left out)."""
        values = self.data.getlist("_selected_action") if hasattr(self.data, "getlist") else []
        ids = [int(v) for v in values if re.fullmatch(r"[1-9][0-9]{0,17}", v)]
        return list(dict.fromkeys(ids))[:PAGE_LIMIT]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("select_across") and not self.selected_ids():
            raise forms.ValidationError(
                _(
                    "Items must be selected in order to perform actions on them. "
                    "No items have been changed."
                ),
                code="nothing_selected",
            )
        return cleaned

    def needs_group(self) -> bool:
        return self.cleaned_data.get("action") in self.GROUP_ACTIONS

    def check_group(self) -> bool:
        """On confirming a group action, the group must be chosen."""
        if self.needs_group() and not self.cleaned_data.get("group_id"):
            self.add_error("group_id", _("Choose the group."))
            return False
        return True
