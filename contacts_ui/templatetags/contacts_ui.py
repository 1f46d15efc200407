from urllib.parse import quote

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()

READABLE_FIELDS = frozenset(
    {"first_name", "last_name", "phone", "email", "company", "tax_id", "address", "city",
     "description"}
)  # fmt: skip


@register.filter
def field(record, name: str):
    """One of a contact's text fields by name, for tables whose columns vary."""
    return getattr(record, name) if name in READABLE_FIELDS else ""


# --- The contacts list's rows ---------------------------------------------------------------
# Built in Python with format_html, as the admin builds its changelist rows (admin_list's
# items_for_result): a list of 50 to 200 rows rendered node by node in a template took
# most of the page's own time. The markup is the admin's, escaped the same way.

_ID_MARK = 987654321  # stands for a contact's id in a reversed URL


def _url_for_each_id(context, name: str):
    """A function from a contact's id to the URL named, reversed once per page."""
    urls = context.render_context.setdefault("contact_row_urls", {})
    if name not in urls:
        urls[name] = reverse(name, args=[_ID_MARK]).split(str(_ID_MARK), 1)
    head, tail = urls[name]
    return lambda contact_id: f"{head}{contact_id}{tail}"


def _row_format(context, columns) -> str:
    """The markup of a row, with a named field for each value (the same for every row
    of a page: made once per page)."""
    formats = context.render_context.setdefault("contact_row_formats", {})
    keys = tuple(column["key"] for column in columns)
    if keys not in formats:
        first, *others = keys
        fields = "".join(f'<td class="field-{key}">{{{key}}}</td>' for key in others)
        formats[keys] = (
            '<tr data-row id="contact-{id}">'
            '<td class="action-checkbox"><input type="checkbox" name="_selected_action" '
            'value="{id}" class="action-select" aria-label="{select}"></td>'
            f'<th scope="row" class="field-{first}">'
            '<a href="{change_url}" data-row-link>{label}</a></th>'
            f"{fields}"
            '<td class="field-group">{group}</td>'
            '<td class="field-blacklist"><img src="{icon}" alt="{blacklisted}"></td>'
            '<td class="field-actions"><a href="{delete_url}" class="deletelink" '
            'hx-post="{delete_row_url}" hx-target="closest tr" hx-push-url="false" '
            'hx-confirm="{confirm}" aria-label="{delete_label}">{delete}</a></td></tr>'
        )
    return formats[keys]


@register.simple_tag(takes_context=True)
def contact_row(context, contact, columns, filters: str):
    """One contact's row of the list: its tick box, its fields (the first linking to its
    change form), its group, whether it is blacklisted, and a delete link that deletes it
    in place with htmx (asking first) or, without JavaScript, opens the confirmation."""
    label = contact.first_name or contact.last_name or contact.phone
    back = f"?_changelist_filters={quote(filters, safe='/')}" if filters else ""
    if contact.group_id:
        group = format_html(
            '<a href="?g={0}" hx-get="?g={0}">{1}</a>', contact.group_id, contact.group_name
        )
    else:
        group = ""
    return format_html(
        _row_format(context, columns),
        id=contact.id,
        select=_("Select %(label)s") % {"label": label},
        change_url=_url_for_each_id(context, "contacts_ui:contact_change")(contact.id) + back,
        label=label,
        **{column["key"]: field(contact, column["key"]) for column in columns[1:]},
        group=group,
        icon=static("admin/img/icon-yes.svg" if contact.blacklist else "admin/img/icon-no.svg"),
        blacklisted=_("Yes") if contact.blacklist else _("No"),
        delete_url=_url_for_each_id(context, "contacts_ui:contact_delete")(contact.id) + back,
        delete_row_url=_url_for_each_id(context, "contacts_ui:contact_delete_row")(contact.id),
        confirm=_("Delete the contact “%(label)s” at SerwerSMS for good?") % {"label": label},
        delete_label=_("Delete %(label)s") % {"label": label},
        delete=_("Delete"),
    )


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
