"""Background jobs as a person starts them and sees them, for the job modules (test_job_*.py).

Jobs are started as a person starts them (a bulk action on the contacts list) and run by the
real task worker (tests.jobs.run_worker) against the sandbox over HTTP. Four items or more
wait for the worker; three or fewer are done within the request.

The fixtures here are shared by assignment in each module (`people = job_steps.people`):
other modules have fixtures of the same names that hold other things.
"""

import itertools

import pytest

from contacts_ui.models import Job
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import make_contact

POLLING = 'hx-trigger="every 1s"'

# A search's job reads the contacts (one page) and the groups (one page: there are none)
# before its first write; each item is then one write.
READS_BEFORE_WRITES = 2


@pytest.fixture
def people(alice_account) -> list[Contact]:
    """Five contacts in no group, listed (by last name) in this order."""
    names = [("Anna", "Adamska"), ("Beata", "Bielska"), ("Celina", "Czarnecka")]
    names += [("Dorota", "Dudek"), ("Ewa", "Ewert")]
    return [
        make_contact(alice_account, f"+4850060070{n}", first_name=first, last_name=last)
        for n, (first, last) in enumerate(names, start=1)
    ]


@pytest.fixture
def grouped(alice_account) -> dict:
    """Klienci and Dostawcy, and five contacts with every field in one group or both."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    contacts = [
        make_contact(
            alice_account,
            f"+4850060070{n}",
            groups=[klienci, dostawcy] if n % 2 else [klienci],
            first_name=f"Imię{n}",
            last_name=f"Nazwisko{n}",
            email=f"k{n}@example.pl",
            company="Firma",
            city="Łódź",
            description="Opis",
        )
        for n in range(1, 6)
    ]
    return {"klienci": klienci, "dostawcy": dostawcy, "contacts": contacts}


def label(contact: Contact) -> str:
    return f"{contact.first_name} {contact.last_name} ({contact.phone})"


def start(client, action: str, contacts=(), group: Group | None = None, across=False) -> Job:
    """Confirm a bulk action on the contacts list, as its confirmation page posts it."""
    values = {"action": action, "post": "yes", "_changelist_filters": ""}
    values["_selected_action"] = [str(contact.id) for contact in contacts]
    if across:
        values["select_across"] = "1"
    if group is not None:
        values["group_id"] = str(group.id)
    response = client.post("/contacts/action/", values)
    assert response.status_code == 302, response.content.decode()
    return Job.objects.get(pk=response.url.split("/")[2])


def phones(account) -> list[str]:
    return sorted(Contact.objects.filter(account=account).values_list("phone", flat=True))


def statuses(job: Job) -> dict[str, str]:
    return dict(job.items.values_list("label", "status"))


def progress_page(client, job: Job, htmx=False) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"/jobs/{job.pk}/", headers=headers)
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


def after_each_write(monkeypatch, action: str, then) -> None:
    """Call then(call number) in the sandbox right after each write of this action is made:
    what happens elsewhere while the job runs."""
    made = sandbox_api.ACTIONS[("contacts", action)]
    calls = itertools.count(1)

    def write_then(account, params):
        answer = made(account, params)
        then(next(calls))
        return answer

    monkeypatch.setitem(sandbox_api.ACTIONS, ("contacts", action), write_then)
