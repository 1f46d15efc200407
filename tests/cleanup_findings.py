"""An account with one of everything to tidy, and the scan of it, for the cleanup modules
(test_cleanup_*.py): the cleanup page end to end, the scan as a job, each fix confirmed first,
against the sandbox over real HTTP.

The fixtures here are shared by assignment in each module (`account = cleanup_findings.account`):
other modules have fixtures of the same names that hold other things.
"""

import pytest

from contacts_ui.cleanup import detectors
from contacts_ui.models import Job
from contacts_ui.sandbox.models import Group
from tests.helpers import make_contact
from tests.jobs import run_worker


@pytest.fixture
def account(alice_account):
    """Alice's account with one of everything to tidy."""
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    Group.objects.create(account=alice_account, name="klienci ")
    Group.objects.create(account=alice_account, name="Pusta")
    vip = Group.objects.create(account=alice_account, name="VIP")
    make_contact(alice_account, "+48500100200", groups=[klienci], first_name="Anna")
    make_contact(alice_account, "+48500100200", groups=[klienci], last_name="Kowalska")
    make_contact(alice_account, "+48600700800", groups=[vip], email="Jan@Example.pl")
    make_contact(alice_account, "+48700800900", first_name="Jan", email="jan@example.pl")
    return alice_account


@pytest.fixture
def scanned(client, alice, account):
    return _scanned(alice, _findings_of(account))


def _scan(client) -> Job:
    response = client.post("/cleanup/scan/")
    job = Job.objects.get(kind=Job.Kind.ACCOUNT_SCAN)
    assert response.url == f"/jobs/{job.pk}/"
    run_worker()
    job.refresh_from_db()
    return job


def _page(client, url="/cleanup/", **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200
    return response.content.decode()


def _scanned(alice, found: dict) -> Job:
    """A finished scan with these findings, as the worker stores one."""
    return Job.objects.create(
        user=alice,
        kind=Job.Kind.ACCOUNT_SCAN,
        title="Scan",
        state=Job.State.DONE,
        api_url="-",
        result=found,
    )


def _findings_of(account) -> dict:
    """What a scan of the sandbox account would find, without running a job."""
    from contacts_ui.serwersms import Contact as ApiContact
    from contacts_ui.serwersms import Group as ApiGroup

    groups = [ApiGroup(g.id, g.name, g.membership_set.count()) for g in account.groups.all()]

    listed = set(account.blacklist.values_list("phone", flat=True))

    def api(c):
        return ApiContact(
            c.id, c.phone, c.email, c.first_name, c.last_name, c.company, c.tax_id,
            c.address, c.city, c.description, c.phone in listed,
        )  # fmt: skip

    reading = detectors.AccountReading(groups)
    for g in groups:
        reading.read([api(c) for c in Group.objects.get(id=g.id).contacts.all()], g.id)
    reading.read([api(c) for c in account.contacts.filter(membership__isnull=True)])
    return detectors.findings(reading)


def _id(name: str) -> int:
    return Group.objects.get(name=name).id
