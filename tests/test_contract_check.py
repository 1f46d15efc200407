"""The live contract check (manage.py contract_check, make contract): against the sandbox
every open question is answered compatible; a provider that behaves otherwise is reported
so; and the check leaves the account as it found it, also when interrupted."""

import pytest
from django.core.management import CommandError, call_command

from contacts_ui import contract
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox.models import BlacklistedNumber, Contact, Group, Membership
from tests.helpers import address_book, contract_rows, make_contact

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def test_account(monkeypatch, alice_account, api_url):
    """Alice's sandbox account as the test account, holding a contact and a group of its own
    that the check must not touch."""
    monkeypatch.setenv("SERWERSMS_CONTRACT_URL", api_url)
    monkeypatch.setenv("SERWERSMS_CONTRACT_TOKEN", "alice-token")
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, "+48500600700", groups=[klienci], first_name="Anna")
    return alice_account


def check(capsys) -> str:
    call_command("contract_check")
    return capsys.readouterr().out


def test_against_the_sandbox_every_answer_is_compatible(capsys, test_account):
    table = contract_rows(check(capsys))

    assert sorted(table, key=int) == [str(n) for n in range(1, 13)]
    assert {row[3] for number, row in table.items() if number != "8"} == {"yes"}
    assert table["1"][2] == "replaces them; an empty list takes it out of every group"
    assert table["8"][3] == "not shown"
    assert table["9"][2] == "the flag is set when the number is listed and cleared when it is not"
    assert table["10"][2] == "500 rows in one call: 500 counted in, 0 failed; the group holds 500"
    assert table["11"][2] == "adds to that group (it holds 2 of 2)"
    assert table["12"][2] == "counted: 1 in, 1 failed; the group holds 1 of the valid 1"


def test_it_leaves_the_account_as_it_found_it(capsys, test_account):
    before = address_book(test_account)

    check(capsys)

    assert address_book(test_account) == before
    assert not Group.objects.filter(name__startswith=contract.NAME_PREFIX).exists()
    assert not BlacklistedNumber.objects.exists()


def test_an_api_whose_edit_adds_groups_is_reported_incompatible(capsys, test_account, monkeypatch):
    def edit_adding_groups(account, params):
        kept = list(Membership.objects.filter(contact_id=params["id"]).values_list("group_id"))
        answer = sandbox_api.contacts_edit(account, params)
        for (group_id,) in kept:
            Membership.objects.get_or_create(contact_id=params["id"], group_id=group_id)
        return answer

    monkeypatch.setitem(sandbox_api.ACTIONS, ("contacts", "edit"), edit_adding_groups)

    with pytest.raises(CommandError, match="Incompatible with this application: question 1"):
        call_command("contract_check")

    table = contract_rows(capsys.readouterr().out)
    assert table["1"][2].startswith("adds to them")
    assert table["1"][3] == "NO"


def test_what_it_made_is_deleted_when_it_is_interrupted(capsys, test_account, monkeypatch):
    before = address_book(test_account)

    def interrupted(client, scratch):
        assert Contact.objects.filter(first_name="Kontrakt").exists()
        raise KeyboardInterrupt

    monkeypatch.setattr(contract, "PROBES", [contract.edit_replaces_groups, interrupted])

    with pytest.raises(KeyboardInterrupt):
        call_command("contract_check")

    assert address_book(test_account) == before


def test_without_a_contract_url_it_checks_its_own_sandbox(capsys, db, monkeypatch, settings):
    monkeypatch.delenv("SERWERSMS_CONTRACT_URL", raising=False)
    settings.SANDBOX = True

    output = check(capsys)

    assert "as this application's sandbox shows them" in output
    assert len(contract_rows(output)) == 12


def test_a_contract_url_without_credentials_is_refused_with_a_sentence(monkeypatch, db):
    monkeypatch.setenv("SERWERSMS_CONTRACT_URL", "https://api2.serwersms.pl/")
    for name in ("TOKEN", "USERNAME", "PASSWORD"):
        monkeypatch.delenv(f"SERWERSMS_CONTRACT_{name}", raising=False)

    with pytest.raises(CommandError, match="set SERWERSMS_CONTRACT_TOKEN"):
        call_command("contract_check")
