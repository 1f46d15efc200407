"""Records as the history keeps them (plain JSON in HistoryEntry.before and .after),
and how two of them differ, field by field."""

from dataclasses import asdict

from django.utils.translation import gettext as _

from ..models import ApiCredentials, HistoryEntry
from ..serwersms import CONTACT_FIELDS, ContactData, Group


def contact_record(contact_id, data: ContactData, group_ids, group_names=None) -> dict:
    """A contact as the history keeps it: every writable field, its groups, its id."""
    ids = sorted({int(group_id) for group_id in group_ids})
    names = group_names or {}
    return {
        "id": contact_id,
        **asdict(data),
        "group_ids": ids,
        "group_names": {str(i): names[i] for i in ids if i in names},
    }


def group_record(group: Group) -> dict:
    """A group as the history keeps it: id, name, contact count."""
    return {"id": group.id, "name": group.name, "count": group.count}


def field_label(kind: str, field: str) -> str:
    """A recorded field's name as the forms show it."""
    from ..forms import ContactForm, CredentialsForm

    if kind == HistoryEntry.CREDENTIALS:
        return str(CredentialsForm.base_fields[field].label)
    if kind == HistoryEntry.BLACKLIST:
        return _("On the blacklist") if field == "listed" else _("Phone")
    if kind == HistoryEntry.GROUP:
        return _("Contacts") if field == "count" else _("Name")
    if field == "group_ids":
        return str(ContactForm.base_fields["group_id"].label)
    return str(ContactForm.base_fields[field].label)


def field_changes(entry: HistoryEntry) -> list[tuple[str, object, object]]:
    """What a change did, field by field: (field, old value, new value), changed fields only."""
    before, after = entry.before or {}, entry.after or {}
    fields = [*CONTACT_FIELDS, "group_ids"] if entry.kind == HistoryEntry.CONTACT else ["name"]
    if entry.kind == HistoryEntry.CREDENTIALS:
        fields = ["auth_style", "username"]
    if entry.kind == HistoryEntry.BLACKLIST:
        fields = ["listed"]
    return differing(before, after, fields)


def differing(old: dict, new: dict, fields) -> list[tuple[str, object, object]]:
    """The fields whose values differ between two records: (field, old value, new value)."""
    return [
        (name, old.get(name), new.get(name)) for name in fields if old.get(name) != new.get(name)
    ]


def group_names(*records: dict | None) -> dict[str, str]:
    """Group names by id (as text), from these records; a later record's name wins."""
    names = {}
    for record in records:
        names.update((record or {}).get("group_names") or {})
    return names


def shown_value(kind: str, field: str, value, names: dict[str, str]):
    """A recorded value as a page shows it: group ids as group names, a sign-in method by
    its name, the blacklist as Yes or No. None stays None (no such record)."""
    if value is None:
        return None
    if field == "group_ids":
        return ", ".join(
            names.get(str(group_id)) or _("Group %(id)s") % {"id": group_id} for group_id in value
        )
    if kind == HistoryEntry.CREDENTIALS and field == "auth_style":
        return dict(ApiCredentials.AUTH_STYLES).get(value, value)
    if field == "listed":
        return _("Yes") if value else _("No")
    return value
