"""The forms of a CSV import: the upload, and the mapping of columns to contact fields."""

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ..forms import ContactForm
from ..serwersms import CONTACT_FIELDS
from . import csv_rows
from .bulk import same_name


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Saved from Excel or another program as CSV: UTF-8 or Windows-1250, separated "
            "by semicolons, commas or tabs (found out by itself)."
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before a byte is read: a file too large is never read whole.
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; an import takes files of up to %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.IMPORT_MAX_BYTES),
                },
                code="too_large",
            )
        try:
            self.loaded = csv_rows.load(upload.read(), max_rows=settings.IMPORT_MAX_ROWS)
        except csv_rows.ImportFileError as error:
            raise forms.ValidationError(error.message, code="unreadable")
        return upload


# Labelled as the contact form labels the fields (lazily: in the language of each request).
FIELD_CHOICES = [
    ("", _("— leave out —")),
    *((name, ContactForm.base_fields[name].label) for name in CONTACT_FIELDS),
    # Yes or no: the row's number is put on the blacklist (it gets no messages).
    (csv_rows.BLACKLIST, _("On the blacklist (no messages)")),
]


class ImportMappingForm(forms.Form):
    """Which contact field each column holds (`c1`, `c2`, …), whether the first row names
    the columns, and the groups to add the contacts to. Sent as a query string, so that
    the preview is a page that can be reloaded."""

    header = forms.BooleanField(
        label=_("The first row holds column names"),
        required=False,
        # Sent as header=1, as the preview's links write it.
        widget=forms.CheckboxInput(attrs={"value": "1"}),
        help_text=_("It is then not imported."),
    )
    g = forms.TypedMultipleChoiceField(
        label=_("Add to groups"),
        required=False,
        coerce=int,
        choices=[],
        widget=FilteredSelectMultiple(_("groups"), is_stacked=False),
        help_text=_("Leave empty to add the contacts to no group."),
    )
    new_group = forms.CharField(
        label=_("Or into a new group"),
        required=False,
        # The API's limit for a group's name (api/CONTRACT.md).
        max_length=100,
        help_text=_(
            "Its name: the import makes the group and puts every contact in it. A file "
            "of phones, names, e-mails and companies only goes in with SerwerSMS’s own bulk "
            "import, many rows a call."
        ),
    )

    def __init__(self, *args, columns: list[str], groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.column_count = len(columns)
        self.fields["g"].choices = [(group.id, group.name) for group in groups]
        for number, name in enumerate(columns, 1):
            self.fields[f"c{number}"] = forms.ChoiceField(
                label=name, required=False, choices=FIELD_CHOICES
            )

    @classmethod
    def initial_for(cls, mapping: list[str], has_header: bool) -> dict:
        initial = {f"c{number}": name for number, name in enumerate(mapping, 1)}
        return {**initial, "header": has_header}

    def column_fields(self):
        return [self[f"c{number}"] for number in range(1, self.column_count + 1)]

    def clean(self):
        cleaned = super().clean()
        chosen: dict[str, int] = {}
        for number in range(1, self.column_count + 1):
            name = cleaned.get(f"c{number}")
            if not name:
                continue
            if name in chosen:
                self.add_error(
                    f"c{number}",
                    _("%(field)s is chosen for column %(other)d already.")
                    % {"field": csv_rows.field_label(name), "other": chosen[name]},
                )
            else:
                chosen[name] = number
        self._clean_new_group(cleaned)
        if "phone" not in chosen:
            raise forms.ValidationError(
                _("Choose the column that holds the phone numbers."), code="no_phone"
            )
        return cleaned

    def _clean_new_group(self, cleaned: dict) -> None:
        name = cleaned.get("new_group") or ""
        if not name:
            return
        if cleaned.get("g"):
            self.add_error(
                "new_group",
                _("Choose existing groups or a new group, not both."),
            )
        elif any(same_name(name, str(label)) for _id, label in self.fields["g"].choices):
            self.add_error(
                "new_group",
                _(
                    "A group named “%(name)s” exists already: choose it under “Add to "
                    "groups”, or give the new group another name."
                )
                % {"name": name},
            )

    def mapping(self) -> list[str]:
        """A contact field, or "", for each column."""
        return [self.cleaned_data.get(f"c{n}") or "" for n in range(1, self.column_count + 1)]

    def query_pairs(self) -> list[tuple[str, str]]:
        """The valid form as the query string it came in (columns left out are left out)."""
        pairs = [("header", "1")] if self.cleaned_data["header"] else []
        pairs += [(f"c{n}", name) for n, name in enumerate(self.mapping(), 1) if name]
        pairs += [("g", str(group_id)) for group_id in self.cleaned_data["g"]]
        if self.cleaned_data["new_group"]:
            pairs.append(("new_group", self.cleaned_data["new_group"]))
        return pairs
