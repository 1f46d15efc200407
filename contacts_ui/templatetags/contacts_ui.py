from html import escape
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .. import conflicts, roles

register = template.Library()

READABLE_FIELDS = frozenset(
    {"first_name", "last_name", "phone", "email", "company", "tax_id", "address", "city",
     "description"}
)  # fmt: skip


@register.filter
def field(record, name: str):
    """One of a contact's text fields by name, for tables whose columns vary."""
    return getattr(record, name) if name in READABLE_FIELDS else ""


@register.filter
def quoted_list(names) -> str:
    """Names in quotes, separated by commas: “Anna”, “Jan”."""
    return format_html_join(", ", "“{}”", ((name,) for name in names))


# --- The contacts list's rows ---------------------------------------------------------------
# Built in Python, as the admin builds its changelist rows (admin_list's items_for_result):
# 50 to 200 rows rendered node by node in a template took most of the page's own time.
# What is the same for every row of a page (the markup, the URLs around each id, the
# translated words, the icons) is made once per page; each value of a row is escaped
# exactly as a template escapes it (html.escape, which django.utils.html.escape calls).

_ID_MARK = 987654321  # stands for a contact's id in a reversed URL


def _url_for_each_id(context, name: str):
    """A function from an object's id to the URL named, reversed once per page."""
    urls = context.render_context.setdefault("row_urls", {})
    if name not in urls:
        urls[name] = reverse(name, args=[_ID_MARK]).split(str(_ID_MARK), 1)
    head, tail = urls[name]
    return lambda object_id: f"{head}{object_id}{tail}"


class _ContactRows:
    """What every contact row of one page shares."""

    def __init__(self, context, columns, filters: str):
        keys = [column["key"] for column in columns]
        self.first, *self.others = keys
        # A number on the blacklist says so beside it, rather than in a column of its own
        # that would hold a mark for every row (and leave no room on a laptop's screen).
        flag = {"phone": "{blacklisted}"}
        fields = "".join(
            f'<td class="field-{key}">{{{key}}}{flag.get(key, "")}</td>' for key in self.others
        )
        # The tick box is for bulk actions, the delete link for deleting: each only for a
        # role that may (contacts_ui.roles).
        user = context["request"].user
        tick = (
            '<td class="action-checkbox"><input type="checkbox" name="_selected_action" '
            'value="{id}" class="action-select" aria-label="{select}"></td>'
        )
        delete = (
            '<a href="{delete_url}" class="deletelink" '
            'hx-post="{delete_row_url}?s={shown}" hx-target="closest tr" hx-push-url="false" '
            'hx-confirm="{confirm}" aria-label="{delete_label}">{delete}</a>'
        )
        # No column at all for a role that may not delete (its header goes too).
        actions = f'<td class="field-actions">{delete}</td>' if roles.may(user, roles.EDIT) else ""
        self.markup = (
            '<tr data-row id="contact-{id}">'
            f"{tick if roles.may(user, roles.BULK) else ''}"
            f'<th scope="row" class="field-{self.first}">'
            '<a href="{change_url}" data-row-link>{label}</a></th>'
            f"{fields}"
            '<td class="field-group">{group}</td>'
            f"{actions}</tr>"
        )
        self.back = f"?_changelist_filters={quote(filters, safe='/')}" if filters else ""
        self.change_url = _url_for_each_id(context, "contacts_ui:contact_change")
        self.delete_url = _url_for_each_id(context, "contacts_ui:contact_delete")
        self.delete_row_url = _url_for_each_id(context, "contacts_ui:contact_delete_row")
        self.select = _("Select %(label)s")
        self.confirm = _("Delete the contact “%(label)s” at SerwerSMS for good?")
        self.delete_label = _("Delete %(label)s")
        self.delete = escape(_("Delete"))
        self.blacklisted = f' <span class="blacklisted-tag">{escape(_("Blacklisted"))}</span>'

    def row(self, contact) -> str:
        name = contact.display_name
        # The first column links to the contact: its value, or the contact's name if empty.
        link_text = field(contact, self.first) or name
        group = ""
        if contact.group_id:
            group = '<a href="?g={0}" hx-get="?g={0}">{1}</a>'.format(
                int(contact.group_id), escape(contact.group_name)
            )
        return self.markup.format(
            id=int(contact.id),
            select=escape(self.select % {"label": name}),
            change_url=escape(self.change_url(contact.id) + self.back),
            label=escape(link_text),
            **{key: escape(field(contact, key)) for key in self.others},
            group=group,
            blacklisted=self.blacklisted if contact.blacklist else "",
            delete_url=escape(self.delete_url(contact.id) + self.back),
            delete_row_url=escape(self.delete_row_url(contact.id)),
            # The fields as this row was read: deleted in place, it is checked against them.
            shown=conflicts.fields_fingerprint(contact),
            confirm=escape(self.confirm % {"label": name}),
            delete_label=escape(self.delete_label % {"label": name}),
            delete=self.delete,
        )


@register.simple_tag(takes_context=True)
def contact_row(context, contact, columns, filters: str):
    """One contact's row of the list: its tick box, its fields (the first linking to its
    change form), its group, whether it is blacklisted, and a delete link that deletes it
    in place with htmx (asking first) or, without JavaScript, opens the confirmation."""
    rows = context.render_context.get("contact_rows")
    if rows is None:
        rows = context.render_context["contact_rows"] = _ContactRows(context, columns, filters)
    # Every value in it was escaped above.
    return mark_safe(rows.row(contact))  # noqa: S308


@register.simple_tag(takes_context=True)
def group_row(context, group, filters: str):
    """One group's row of the group list: its name, linking to its change form, and its
    number of contacts, linking to them on the contacts list."""
    back = f"?_changelist_filters={quote(filters, safe='/')}" if filters else ""
    urls = context.render_context.setdefault("group_row_urls", {})
    if "contacts" not in urls:
        urls["contacts"] = reverse("contacts_ui:contact_list")
    return format_html(
        '<tr data-row><th scope="row" class="field-name"><a href="{}{}" data-row-link>{}</a></th>'
        '<td class="field-count"><a href="{}?g={}" title="{}">{}</a></td></tr>',
        _url_for_each_id(context, "contacts_ui:group_change")(group.id),
        back,
        group.name,
        urls["contacts"],
        group.id,
        _("Contacts in %(name)s") % {"name": group.name},
        group.count,
    )
