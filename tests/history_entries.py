"""History entries made directly, with records shaped as contacts_ui.history makes them."""

from dataclasses import replace
from datetime import datetime, timedelta

from django.utils import timezone

from contacts_ui.history.records import contact_record
from contacts_ui.models import HistoryEntry
from contacts_ui.serwersms import ContactData

Action, Outcome = HistoryEntry.Action, HistoryEntry.Outcome

ANNA = ContactData(
    phone="+48500600700",
    email="anna@example.pl",
    first_name="Anna",
    last_name="Kowalska",
    company="Kowalscy sp. z o.o.",
    city="Łódź",
)
GROUPS = {3: "Klienci", 4: "Dostawcy"}


def _entry(user, action, *, name, phone="", target_id, before, after, **fields):
    return HistoryEntry.objects.create(
        user=user,
        username=user.get_username(),
        action=action,
        outcome=fields.pop("outcome", Outcome.DONE),
        target_id=target_id,
        target_name=name,
        phone=phone,
        before=before,
        after=after,
        **fields,
    )


def contact_edit(user, data: ContactData = ANNA, contact_id=17, group_ids=(3,), **changes):
    """The contact (Anna unless told) changed to these field values and groups (from Klienci)."""
    fields = {
        name: changes.pop(name)
        for name in list(changes)
        if name in ContactData.__dataclass_fields__
    }
    before = contact_record(contact_id, data, [3], GROUPS)
    after = contact_record(contact_id, replace(data, **fields), group_ids, GROUPS)
    return _entry(
        user,
        Action.CONTACT_EDIT,
        name=ContactData.from_record(after).display_name,
        phone=after["phone"],
        target_id=contact_id,
        before=before,
        after=after,
        **changes,
    )


def contact_add(user, data: ContactData = ANNA, contact_id=17, **fields):
    after = contact_record(contact_id, data, [3], GROUPS)
    return _entry(
        user,
        Action.CONTACT_ADD,
        name=ContactData.from_record(after).display_name,
        phone=data.phone,
        target_id=contact_id,
        before=None,
        after=after,
        **fields,
    )


def contact_delete(user, data: ContactData = ANNA, contact_id=17, **fields):
    before = contact_record(contact_id, data, [3, 4], GROUPS)
    return _entry(
        user,
        Action.CONTACT_DELETE,
        name=ContactData.from_record(before).display_name,
        phone=data.phone,
        target_id=contact_id,
        before=before,
        after=None,
        **fields,
    )


def group_edit(user, old="Klienci", new="Klienci VIP", group_id=3, **fields):
    before = {"id": group_id, "name": old, "count": 2}
    return _entry(
        user,
        Action.GROUP_EDIT,
        name=new,
        target_id=group_id,
        before=before,
        after={**before, "name": new},
        **fields,
    )


def group_delete(user, name="Klienci", group_id=3, members=(ANNA,), delete_contacts=False):
    before = {
        "id": group_id,
        "name": name,
        "count": len(members),
        "delete_contacts": delete_contacts,
        "members": [
            contact_record(100 + n, data, [group_id], GROUPS) for n, data in enumerate(members)
        ],
    }
    return _entry(
        user, Action.GROUP_DELETE, name=name, target_id=group_id, before=before, after=None
    )


def aged(entry: HistoryEntry, *, days: float = 0, at: datetime | None = None) -> HistoryEntry:
    """The entry, moved back in time (the model stamps it with now)."""
    entry.at = at or timezone.now() - timedelta(days=days)
    entry.save(update_fields=["at"])
    return entry


def jobs_and_uploads(user) -> dict:
    """A running background job of the user's, with one item done and one failed (that a
    cancel or a retry would act on), and a CSV upload of theirs (that an import would
    import): the ids the URLs that act on them take."""
    from contacts_ui.models import ImportUpload, Job, JobItem

    job = Job.objects.create(
        user=user,
        kind=Job.Kind.CONTACT_IMPORT,
        title="Import of people.csv",
        state=Job.State.RUNNING,
        api_url="http://127.0.0.1:1/sandbox/api/",
        params={"header": ["Telefon", "Imię"]},
    )
    for position, status in enumerate([JobItem.Status.DONE, JobItem.Status.FAILED]):
        JobItem.objects.create(
            job=job,
            position=position,
            label=f"+4850060080{position}",
            payload={
                "row": position + 2,
                "data": {"phone": f"+4850060080{position}", "first_name": "Ghost"},
                "group_ids": [],
                "source": [f"50060080{position}", "Ghost"],
            },
            status=status,
        )
    upload = ImportUpload.objects.create(
        user=user,
        filename="people.csv",
        records=[[1, ["Telefon", "Imię"]], [2, ["500600701", "Ghost"]]],
        width=2,
        encoding="utf-8",
        delimiter=";",
    )
    return {"job": job.pk, "upload": upload.pk}
