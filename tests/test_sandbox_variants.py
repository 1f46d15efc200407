"""The provider's other plausible behaviours (SANDBOX_PROVIDER): the sandbox plays each, and
the contract check, run against it, finds the question it answers otherwise incompatible."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from contacts_ui.sandbox.variants import VARIANTS
from tests.helpers import contract_rows
from tests.sandbox_calls import add_contact, add_group, call, error

pytestmark = pytest.mark.django_db(transaction=True)

INDEX = "/sandbox/api/contacts/index.json"


@pytest.mark.parametrize("name", sorted(n for n, v in VARIANTS.items() if not v.adapted))
def test_the_contract_check_finds_each_variants_question_incompatible(name, capsys, settings, db):
    settings.SANDBOX = True
    settings.SANDBOX_PROVIDER = [name]
    question = str(VARIANTS[name].question)

    with pytest.raises(CommandError, match=f"question .*{question}"):
        call_command("contract_check")

    output = capsys.readouterr().out
    assert f"playing the provider variant {name}" in output
    assert contract_rows(output)[question][3] == "NO"


@pytest.mark.parametrize("name", sorted(n for n, v in VARIANTS.items() if v.adapted))
def test_a_variant_the_application_copes_with_is_found_compatible(name, capsys, settings, db):
    settings.SANDBOX = True
    settings.SANDBOX_PROVIDER = [name]

    call_command("contract_check")

    table = contract_rows(capsys.readouterr().out)
    assert table[str(VARIANTS[name].question)][3] == "yes"


def test_phones_stored_without_their_plus_are_named_in_the_table(capsys, settings, db):
    settings.SANDBOX = True
    settings.SANDBOX_PROVIDER = ["phones-without-plus"]

    call_command("contract_check")

    observed = contract_rows(capsys.readouterr().out)["7"][2]
    assert "stored as 48500" in observed and "the application copes" in observed


@pytest.mark.parametrize(
    "name, question, said",
    [
        ("index-once-per-group", "3", "lists it 2 times, once per group"),
        ("check-refuses-unknown-phone", "5", "an error (1004; the application reads it"),
        ("limit-100", "4", "a limit of 500 is refused, 100 gives 2 of 2"),
    ],
)
def test_a_variant_the_application_copes_with_is_still_named_in_the_table(
    name, question, said, capsys, settings, db
):
    settings.SANDBOX = True
    settings.SANDBOX_PROVIDER = [name]

    call_command("contract_check")

    assert said in contract_rows(capsys.readouterr().out)[question][2]


def test_an_unknown_variant_is_a_configuration_error(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups", "no-such-thing"]
    with pytest.raises(ImproperlyConfigured, match="no such variant: no-such-thing"):
        call(client, INDEX)


def test_edit_adds_groups(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["edit-adds-groups"]
    first, second = add_group(client, "A"), add_group(client, "B")
    contact_id = add_contact(client, group_id=[first])
    call(
        client,
        "/sandbox/api/contacts/edit.json",
        id=contact_id,
        phone="500600700",
        group_id=[second],
    )
    held = call(client, "/sandbox/api/groups/check.json", phone="500600700")["items"]
    assert sorted(item["group_id"] for item in held) == [first, second]


def test_add_requires_a_group(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["add-requires-group"]
    answer = call(client, "/sandbox/api/contacts/add.json", phone="500600700")
    assert error(answer) == (2000, "ValidationRequiredError")


def test_index_lists_a_contact_once_per_group(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["index-once-per-group"]
    first, second = add_group(client, "A"), add_group(client, "B")
    contact_id = add_contact(client, group_id=[first, second])
    items = call(client, INDEX)["items"]
    assert [(item["id"], item["group_id"]) for item in items] == [
        (contact_id, first),
        (contact_id, second),
    ]


def test_a_limit_above_a_hundred_is_refused(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["limit-100"]
    assert error(call(client, INDEX, limit=101)) == (1006, "InvalidData")
    assert call(client, INDEX, limit=100)["items"] == []


def test_check_of_a_phone_in_no_group_is_an_error(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["check-refuses-unknown-phone"]
    answer = call(client, "/sandbox/api/groups/check.json", phone="500600700")
    assert error(answer)[0] == 1004


def test_phones_are_stored_without_their_plus(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["phones-without-plus"]
    contact_id = add_contact(client, phone="+48500600700")
    assert call(client, "/sandbox/api/contacts/view.json", id=contact_id)["phone"] == "48500600700"


def test_numbers_are_masked(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["numbers-masked"]
    contact_id = add_contact(client, phone="+48500600700")
    assert call(client, "/sandbox/api/contacts/view.json", id=contact_id)["phone"] == "+48500***700"
    assert call(client, INDEX)["items"][0]["phone"] == "+48500***700"


def test_a_blacklist_flag_of_its_own_stays_clear(client, alice_account, settings):
    settings.SANDBOX_PROVIDER = ["blacklist-flag-own"]
    contact = add_contact(client)
    call(client, "/sandbox/api/blacklist/add.json", phone="500600700")
    assert call(client, "/sandbox/api/blacklist/check.json", phone="500600700")["exists"] is True
    assert call(client, "/sandbox/api/contacts/view.json", id=contact)["blacklist"] is False
    assert [item["blacklist"] for item in call(client, INDEX)["items"]] == [False]
