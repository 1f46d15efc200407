"""Diagnostics (/settings/diagnostics/, manage.py check_api): read-only probes with the
user's own credentials, each finding a sentence a person can act on."""

import pytest
from django.core.management import CommandError, call_command

from contacts_ui.models import ContractCheck
from contacts_ui.sandbox import api as sandbox_api
from tests.helpers import closed_port_url, form_values, make_contact, make_user, table_rows

pytestmark = pytest.mark.django_db(transaction=True)


def findings(client) -> dict[str, list[str]]:
    page = client.get("/settings/diagnostics/").content.decode()
    return {row[0]: row[1:] for row in table_rows(page, "diagnostics")}


def test_it_needs_a_login(client, db):
    response = client.get("/settings/diagnostics/")
    assert response.url == "/accounts/login/?next=/settings/diagnostics/"


def test_a_healthy_account_passes_every_check(client, alice, wire):
    found = findings(client)

    assert found["Reachable"][0] == "OK"
    assert found["Credentials accepted"] == ["OK", "SerwerSMS accepted them."]
    assert found["IP address allowed"][0] == "OK"
    assert found["Permissions"] == ["OK", "Groups and contacts can be read."]
    assert found["Answers as the contract says"][0] == "OK"
    assert found["Behaviour of the API"][0] == "OK"
    # Plain HTTP to the sandbox: there is no certificate to check.
    assert found["TLS certificate"][0] == "Not checked"
    # Read-only, and cheap.
    assert [call["url"].rsplit("/", 2)[-2:] for call in wire] == [
        ["groups", "index.json"],
        ["contacts", "index.json"],
    ]


def test_rejected_credentials_are_said_with_what_to_do(client, alice_account, api_url):
    client.force_login(make_user("alice", token="a-wrong-token"))

    found = findings(client)

    assert found["Credentials accepted"][0] == "Problem"
    assert (
        "Check and update them on the “My API credentials” page" in found["Credentials accepted"][1]
    )
    assert "Permissions" not in found


def test_a_refused_ip_address_says_to_allow_it_in_the_panel(client, alice, monkeypatch):
    def refuse_the_address(authorization, params):
        raise sandbox_api.ApiError(1003, "InvalidIP", "Niedozwolony adres IP.")

    monkeypatch.setattr(sandbox_api, "authenticate", refuse_the_address)

    found = findings(client)

    assert found["IP address allowed"][0] == "Problem"
    assert "Add it to the allowed IP addresses of the API user" in found["IP address allowed"][1]
    assert found["Credentials accepted"][0] == "Not checked"


def test_hidden_numbers_are_a_permissions_problem(client, alice, alice_account, settings):
    make_contact(alice_account, "+48500600700")
    settings.SANDBOX_PROVIDER = ["numbers-masked"]

    found = findings(client)

    assert found["Permissions"][0] == "Problem"
    assert "Phone numbers come back hidden" in found["Permissions"][1]
    assert found["Behaviour of the API"] == [
        "Problem",
        "The sandbox plays the provider variant: numbers-masked.",
    ]


def test_an_unreachable_api_is_said(client, alice, settings):
    settings.SERWERSMS_API_URL = closed_port_url()

    found = findings(client)

    assert found["Reachable"][0] == "Problem"
    assert "Could not connect to the SerwerSMS API" in found["Reachable"][1]


def test_the_credentials_page_leads_to_it(client, alice):
    page = client.get("/settings/credentials/").content.decode()
    assert 'href="/settings/diagnostics/"' in page


def test_check_api_prints_the_same_for_an_operator(capsys, alice):
    call_command("check_api", user="alice")
    output = capsys.readouterr().out
    assert "ok       Credentials accepted: SerwerSMS accepted them." in output


def test_check_api_fails_for_rejected_credentials(capsys, alice_account, api_url):
    make_user("alice", token="a-wrong-token")
    with pytest.raises(CommandError, match="cannot be used as it is"):
        call_command("check_api", user="alice")
    assert "PROBLEM  Credentials accepted" in capsys.readouterr().out


def test_saving_credentials_links_to_it(client, alice):
    page = client.get("/settings/credentials/").content.decode()
    values = {**form_values(page, "credentials-form"), "secret": "alice-token"}
    response = client.post("/settings/credentials/", values, follow=True)

    assert '<a href="/settings/diagnostics/">The diagnostics page</a>' in response.content.decode()


def test_the_behaviour_found_by_a_saved_contract_check_is_shown(
    client, alice, capsys, settings, monkeypatch, api_url
):
    monkeypatch.setenv("SERWERSMS_CONTRACT_URL", api_url)
    monkeypatch.setenv("SERWERSMS_CONTRACT_TOKEN", "alice-token")
    settings.SANDBOX = False  # as against a real API: the saved answers are what is known

    call_command("contract_check", save=True)

    found = findings(client)
    assert found["Behaviour of the API"][0] == "OK"
    assert found["Behaviour of the API"][1].startswith("The contract check of ")


def test_an_incompatible_saved_contract_check_is_a_problem(client, alice, api_url, settings):
    settings.SANDBOX = False
    ContractCheck.objects.create(
        api_url=api_url,
        answers=[
            {
                "number": 1,
                "question": "contacts/edit with group_id?",
                "assumed": "replaces them",
                "observed": "adds to them",
                "compatible": False,
            }
        ],
    )

    found = findings(client)

    assert found["Behaviour of the API"][0] == "Problem"
    assert (
        "found it incompatible: contacts/edit with group_id? adds to them"
        in found["Behaviour of the API"][1]
    )


def test_without_a_saved_contract_check_it_says_how_to_find_out(client, alice, settings):
    settings.SANDBOX = False

    found = findings(client)

    assert found["Behaviour of the API"][0] == "Not checked"
    assert "contract_check --save" in found["Behaviour of the API"][1]
