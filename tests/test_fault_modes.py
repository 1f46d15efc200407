"""Every page and action, through every way the API can fail.

Never a 500, never an empty swap, the input kept, and the message that fits: a read says why and
offers to try again; a write whose request went out unanswered says the change may or may not
have been made and offers a look-up first, so that no one makes it twice.

The sandbox's fault knobs (SANDBOX_FAILURE_*) make the calls fail: http500 and api_error before
the action (nothing changes), timeout, malformed and disconnect after it (the change is made, the
answer lost). "refused" is not a knob: the API's address is a closed port, so no connection is
made at all.
"""

import re

import pytest
from django.core.cache import cache

from contacts_ui.models import ApiCredentials
from contacts_ui.sandbox.models import Contact, Group
from tests.helpers import ANNA as FIELDS
from tests.helpers import (
    closed_port_url,
    form_values,
    make_contact,
    writes_fail,
)

pytestmark = pytest.mark.django_db(transaction=True)

MODES = ["http500", "api_error", "timeout", "malformed", "disconnect", "refused"]

# What each failure is called, on a read and on a write alike.
REASONS = {
    "http500": "The SerwerSMS API answered with an error (HTTP 500).",
    "api_error": (
        "The SerwerSMS API refused the request: "
        "Wystąpił błąd wewnętrzny. Spróbuj ponownie później. (code 9999)."
    ),
    "timeout": "The SerwerSMS API did not answer in time.",
    "malformed": "The SerwerSMS API gave an answer that could not be read.",
    "disconnect": "The connection to the SerwerSMS API broke before it answered.",
    "refused": "Could not connect to the SerwerSMS API. Nothing was changed; try again.",
}
MAYBE = "The change may or may not have been made."
# The request went out and no usable answer came: the outcome is unknown.
UNKNOWN_OUTCOME = ("http500", "timeout", "malformed", "disconnect")
# The sandbox makes the change, then loses the answer.
MADE_ANYWAY = ("timeout", "malformed", "disconnect")


def fast_timeouts(settings, mode: str) -> None:
    # For the timeout fault: the sandbox sleeps longer than the app waits, and the app
    # gives up soon. Other modes keep the usual wait, so that a slow machine answering a
    # big write late is not taken for a time-out.
    if mode == "timeout":
        settings.SANDBOX_TIMEOUT_SECONDS = 1.0
        settings.SERWERSMS_READ_TIMEOUT = 0.3


@pytest.fixture
def break_api(settings, faults):
    """Every call to the API fails in this mode."""

    def set_mode(mode: str) -> None:
        fast_timeouts(settings, mode)
        if mode == "refused":
            settings.SERWERSMS_API_URL = closed_port_url()
        else:
            faults(mode)

    return set_mode


def notes(page: str) -> str:
    """Every .errornote and every message of the page, whitespace collapsed, as HTML."""
    found = re.findall(r'<p class="errornote"[^>]*>(.*?)</p>', page, re.S)
    found += re.findall(r'<ul class="messagelist">(.*?)</ul>', page, re.S)
    return " ".join(" ".join(found).split())


def kept(page: str, form_id: str | None) -> dict[str, list[str]]:
    """What the re-rendered form would post; a form without an id is the one in #content-main."""
    if form_id is None:
        page = page[page.index('<div id="content-main">') :]
    values = form_values(page, form_id)
    values.pop("csrfmiddlewaretoken", None)
    return values


HTMX = {"HX-Request": "true"}


# --- Lists: the part that was updating says why, with a link to try again -------------

LISTS = [
    # (url, htmx, what the answer starts with, the retry link's href)
    ("/contacts/", False, "<!DOCTYPE html>", "?"),
    ("/contacts/?q=Anna&g=7&o=-city&p=2", False, "<!DOCTYPE html>", "?q=Anna&g=7&o=-city&p=2"),
    ("/contacts/", True, '<div id="contact-results"', "?"),
    (
        "/contacts/?q=Anna&g=none&o=-city&p=2",
        True,
        '<div id="contact-results"',
        "?q=Anna&g=none&o=-city&p=2",
    ),
    ("/groups/", False, "<!DOCTYPE html>", "?"),
    ("/groups/?q=Kl&o=-name&p=2", False, "<!DOCTYPE html>", "?q=Kl&o=-name&p=2"),
    ("/groups/", True, '<div id="group-table"', "?"),
    ("/groups/?q=Kl&o=-name&p=2", True, '<div id="group-table"', "?q=Kl&o=-name&p=2"),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("url, htmx, starts, retry", LISTS)
def test_a_list_that_cannot_be_read_says_why_and_offers_to_try_again(
    client, alice, break_api, mode, url, htmx, starts, retry
):
    break_api(mode)
    response = client.get(url, headers=HTMX if htmx else {})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(starts)
    said = notes(body)
    assert REASONS[mode] in said
    href = retry.replace("&", "&amp;")
    assert f'<a href="{href}" hx-get="{href}">Try again</a>' in said
    assert MAYBE not in said


@pytest.mark.parametrize(
    "url, searched",
    [
        ("/contacts/?q=Anna&g=7&o=-city&p=2", {"q": ["Anna"], "g": ["7"], "o": ["-city"]}),
        ("/groups/?q=Kl&o=-name&p=2", {"q": ["Kl"], "o": ["-name"]}),
    ],
)
def test_a_list_that_cannot_be_read_keeps_the_search_as_typed(
    client, alice, break_api, url, searched
):
    break_api("http500")
    page = client.get(url).content.decode()
    assert kept(page, "changelist-search") == searched


# --- Forms whose data cannot be read: the form, with the reason -----------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "url, htmx, starts, form_id",
    [
        ("/contacts/add/", False, "<!DOCTYPE html>", "contact-form"),
        ("/groups/1/change/", False, "<!DOCTYPE html>", "group-form"),
        ("/groups/1/change/", True, '<form method="post" id="group-form"', "group-form"),
    ],
)
def test_a_form_whose_data_cannot_be_read_still_shows_with_the_reason(
    client, alice, break_api, mode, url, htmx, starts, form_id
):
    break_api(mode)
    response = client.get(url, headers=HTMX if htmx else {})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(starts)
    assert kept(body, form_id)
    said = notes(body)
    assert REASONS[mode] in said
    assert MAYBE not in said


# --- Records that cannot be read: back to the list as it was, with the reason ---------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "url, list_url",
    [
        ("/contacts/1/change/?_changelist_filters=q%3DAnna", "/contacts/?q=Anna"),
        ("/contacts/1/delete/?_changelist_filters=g%3Dnone", "/contacts/?g=none"),
        ("/groups/1/delete/?_changelist_filters=o%3D-name", "/groups/?o=-name"),
    ],
)
def test_a_record_that_cannot_be_read_sends_back_to_the_list_with_the_reason(
    client, alice, break_api, mode, url, list_url
):
    break_api(mode)
    response = client.get(url, follow=True)
    assert response.redirect_chain == [(list_url, 302)]
    assert response.status_code == 200
    said = notes(response.content.decode())
    assert f'<li class="error">{REASONS[mode]}</li>' in said
    assert MAYBE not in said


# --- Find by phone --------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_phone_that_cannot_be_looked_up_says_why_and_keeps_the_number(
    client, alice, break_api, mode
):
    break_api(mode)
    response = client.get("/find/?phone=500+600+700")
    assert response.status_code == 200
    page = response.content.decode()
    said = notes(page)
    assert REASONS[mode] in said
    assert MAYBE not in said
    # The form, filled in as it was, is the way to try again.
    assert kept(page, "find-form") == {"phone": ["500 600 700"]}


# --- Pages that call nothing: they show whatever the API does --------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "url, htmx, starts, form_id",
    [
        ("/groups/add/", False, "<!DOCTYPE html>", "group-form"),
        ("/groups/add/", True, '<form method="post" id="group-form"', "group-form"),
        ("/settings/credentials/", False, "<!DOCTYPE html>", "credentials-form"),
    ],
)
def test_a_page_that_calls_nothing_shows_whatever_the_api_does(
    client, alice, break_api, mode, url, htmx, starts, form_id
):
    break_api(mode)
    response = client.get(url, headers=HTMX if htmx else {})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(starts)
    assert kept(body, form_id)
    assert notes(body) == ""


# --- Writes: the helpers ---------------------------------------------------------------


@pytest.fixture
def break_writes(settings, monkeypatch):
    """The reads answer, the write fails in this mode: the realistic failure of a save."""

    def set_mode(mode: str) -> None:
        fast_timeouts(settings, mode)
        writes_fail(monkeypatch, mode)

    return set_mode


def says_the_write_failed(said: str, mode: str, look_up: str, label: str) -> None:
    """The reason; when the outcome is unknown, that the change may have been made, with a
    look-up that opens in a new tab so that the form stays as typed."""
    if mode in UNKNOWN_OUTCOME:
        assert (
            f"{REASONS[mode]} {MAYBE} Before you try again, "
            f'<a href="{look_up}" target="_blank" rel="noopener">{label}</a> (opens in a new tab) '
            "to see whether it was."
        ) in said
    else:
        assert REASONS[mode] in said
        assert MAYBE not in said


@pytest.fixture
def klienci(alice_account):
    return Group.objects.create(account=alice_account, name="Klienci VIP")


@pytest.fixture
def anna(alice_account, klienci):
    return make_contact(alice_account, groups=[klienci], **FIELDS)


def stored(contact) -> dict[str, str]:
    contact.refresh_from_db()
    return {name: getattr(contact, name) for name in FIELDS}


CONTACT_LOOK_UP = ("/contacts/?q=%2B48500600700", "search the contacts for +48500600700")
# Typed as people type: a phone in another format, and characters HTML must escape.
TYPED_CONTACT = {
    "first_name": ["Anna"],
    "last_name": ["Kowalska"],
    "phone": ["500 600 700"],
    "email": ["anna@example.pl"],
    "company": ['Kowalscy & Syn "Łódź"'],
    "tax_id": ["526-025-02-74"],
    "address": ["ul. <Piotrkowska> 1"],
    "city": ["Kraków"],
    "description": ["Dzwonić po 16."],
}


# --- Adding a contact ------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_contact_add_that_fails_keeps_the_input_and_says_what_is_known(
    client, alice, alice_account, klienci, dostawcy, break_writes, mode
):
    url = "/contacts/add/?_changelist_filters=q%3DAnna%26o%3D-city"
    typed = kept(client.get(url).content.decode(), "contact-form") | TYPED_CONTACT
    typed["group_id"] = [str(dostawcy.id), str(klienci.id)]  # as shown: by name
    assert typed["_changelist_filters"] == ["q=Anna&o=-city"]
    break_writes(mode)

    response = client.post(url, typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert kept(page, "contact-form") == typed
    said = notes(page)
    says_the_write_failed(said, mode, *CONTACT_LOOK_UP)
    assert "Your input is kept; try again." in said
    made = Contact.objects.filter(account=alice_account)
    assert made.count() == (1 if mode in MADE_ANYWAY else 0)
    if mode in MADE_ANYWAY:
        assert made.get().phone == "+48500600700"
        assert set(made.get().groups.all()) == {klienci, dostawcy}


@pytest.mark.parametrize("mode", MODES)
def test_a_contact_add_whose_groups_cannot_be_listed_keeps_the_chosen_groups(
    client, alice, alice_account, klienci, dostawcy, break_api, mode
):
    typed = kept(client.get("/contacts/add/").content.decode(), "contact-form") | TYPED_CONTACT
    typed["group_id"] = [str(dostawcy.id), str(klienci.id)]  # as shown: by name
    cache.clear()  # the cached group list has expired: the post reads it again
    break_api(mode)

    response = client.post("/contacts/add/", typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert REASONS[mode] in notes(page)
    assert "is not one of the available choices" not in page
    assert kept(page, "contact-form") == typed
    assert not Contact.objects.exists()


# --- Changing a contact ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_contact_change_that_fails_keeps_the_input_and_says_what_is_known(
    client, alice, anna, klienci, dostawcy, break_writes, mode
):
    url = f"/contacts/{anna.id}/change/?_changelist_filters=q%3DAnna"
    typed = kept(client.get(url).content.decode(), "contact-form") | TYPED_CONTACT
    typed["group_id"] = [str(dostawcy.id), str(klienci.id)]  # as shown: by name
    assert typed["_changelist_filters"] == ["q=Anna"]
    assert typed["groups_shown"] == ["1"]
    break_writes(mode)

    response = client.post(url, typed)

    assert response.status_code == 200
    page = response.content.decode()
    assert kept(page, "contact-form") == typed
    said = notes(page)
    says_the_write_failed(said, mode, *CONTACT_LOOK_UP)
    assert "Your input is kept; try again." in said
    assert Contact.objects.count() == 1
    if mode in MADE_ANYWAY:
        assert stored(anna)["company"] == 'Kowalscy & Syn "Łódź"'
        assert set(anna.groups.all()) == {klienci, dostawcy}
    else:
        assert stored(anna) == FIELDS
        assert list(anna.groups.all()) == [klienci]


@pytest.mark.parametrize("mode", MODES)
def test_a_contact_change_whose_contact_cannot_be_read_sends_nothing_and_says_why(
    client, alice, anna, klienci, break_api, mode
):
    typed = kept(client.get(f"/contacts/{anna.id}/change/").content.decode(), "contact-form")
    break_api(mode)

    response = client.post(f"/contacts/{anna.id}/change/", typed | TYPED_CONTACT, follow=True)

    assert response.status_code == 200
    said = notes(response.content.decode())
    assert REASONS[mode] in said
    assert MAYBE not in said
    assert stored(anna) == FIELDS


@pytest.mark.parametrize("mode", MODES)
def test_a_contact_change_whose_contact_cannot_be_read_keeps_the_input(
    client, alice, anna, klienci, break_api, mode
):
    url = f"/contacts/{anna.id}/change/?_changelist_filters=q%3DAnna"
    typed = kept(client.get(url).content.decode(), "contact-form") | TYPED_CONTACT
    break_api(mode)

    response = client.post(url, typed)

    assert response.status_code == 200
    assert kept(response.content.decode(), "contact-form") == typed


# --- Deleting a contact: the confirmation page, and the row of the list -----------------


@pytest.mark.parametrize("mode", MODES)
def test_a_contact_delete_that_fails_says_what_is_known(client, alice, anna, break_writes, mode):
    # contacts/view, then groups/check for the history's record; contacts/delete fails
    break_writes(mode)

    response = client.post(
        f"/contacts/{anna.id}/delete/?_changelist_filters=q%3DAnna",
        {"_changelist_filters": "q=Anna"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert kept(page, "contact-delete-form").keys() == {"_changelist_filters", "as_shown"}
    assert kept(page, "contact-delete-form")["_changelist_filters"] == ["q=Anna"]
    says_the_write_failed(notes(page), mode, *CONTACT_LOOK_UP)
    assert Contact.objects.filter(id=anna.id).exists() is (mode not in MADE_ANYWAY)


@pytest.mark.parametrize("mode", MODES)
def test_a_contact_delete_whose_contact_cannot_be_read_sends_nothing_and_says_why(
    client, alice, anna, break_api, mode
):
    break_api(mode)

    response = client.post(
        f"/contacts/{anna.id}/delete/", {"_changelist_filters": "g=none"}, follow=True
    )

    assert response.redirect_chain == [("/contacts/?g=none", 302)]
    assert response.status_code == 200
    said = notes(response.content.decode())
    assert f'<li class="error">{REASONS[mode]}</li>' in said
    assert MAYBE not in said
    assert Contact.objects.filter(id=anna.id).exists()


@pytest.mark.parametrize("mode", MODES)
def test_a_row_delete_that_fails_puts_what_is_known_in_the_row(
    client, alice, anna, break_writes, mode
):
    # contacts/view and groups/check, for the history's record; contacts/delete fails
    break_writes(mode)

    response = client.post(f"/contacts/{anna.id}/delete/row/", headers=HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    # The answer replaces the row: the same row, never nothing (that would take the row away).
    assert body.lstrip().startswith(f'<tr data-row id="contact-{anna.id}">')
    said = notes(body)
    assert "The contact was not deleted:" in said
    assert f'<a href="/contacts/{anna.id}/delete/">Try again</a>' in said
    says_the_write_failed(said, mode, f"/contacts/{anna.id}/change/", "open the contact")
    assert Contact.objects.filter(id=anna.id).exists() is (mode not in MADE_ANYWAY)


# --- Adding and changing a group, with htmx or without ----------------------------------


def group_names(account) -> list[str]:
    return list(Group.objects.filter(account=account).order_by("id").values_list("name", flat=True))


def swapped_or_page(response, htmx: bool, root: str) -> str:
    """The body, checked to be the partial htmx swaps in (never empty), or a whole page."""
    assert response.status_code == 200
    body = response.content.decode()
    if htmx:
        assert "HX-Redirect" not in response
        assert body.lstrip().startswith(root)
    else:
        assert body.startswith("<!DOCTYPE html>")
    return body


GROUP_FORM = '<form method="post" id="group-form"'


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("mode", MODES)
def test_a_group_add_that_fails_keeps_the_input_and_says_what_is_known(
    client, alice, alice_account, break_writes, mode, htmx
):
    typed = {"_changelist_filters": ["q=Kl"], "name": ["Nowa grupa"]}
    break_writes(mode)

    response = client.post(
        "/groups/add/?_changelist_filters=q%3DKl", typed, headers=HTMX if htmx else {}
    )

    body = swapped_or_page(response, htmx, GROUP_FORM)
    assert kept(body, "group-form") == typed
    said = notes(body)
    says_the_write_failed(said, mode, "/groups/?q=Nowa+grupa", "search the groups for “Nowa grupa”")
    assert "Your input is kept; try again." in said
    assert group_names(alice_account) == (["Nowa grupa"] if mode in MADE_ANYWAY else [])


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("mode", MODES)
def test_a_group_change_that_fails_keeps_the_input_and_says_what_is_known(
    client, alice, alice_account, klienci, break_writes, mode, htmx
):
    typed = {"_changelist_filters": ["q=Kl"], "name": ["Stali klienci"]}
    break_writes(mode)

    response = client.post(
        f"/groups/{klienci.id}/change/?_changelist_filters=q%3DKl",
        typed,
        headers=HTMX if htmx else {},
    )

    body = swapped_or_page(response, htmx, GROUP_FORM)
    assert kept(body, "group-form") == typed
    said = notes(body)
    says_the_write_failed(
        said, mode, "/groups/?q=Stali+klienci", "search the groups for “Stali klienci”"
    )
    assert "Your input is kept; try again." in said
    expected = "Stali klienci" if mode in MADE_ANYWAY else "Klienci VIP"
    assert group_names(alice_account) == [expected]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize("mode", MODES)
def test_a_group_change_whose_group_cannot_be_read_keeps_the_input_and_says_why(
    client, alice, alice_account, klienci, break_api, mode, htmx
):
    typed = {"_changelist_filters": ["q=Kl"], "name": ["Stali klienci"]}
    break_api(mode)

    response = client.post(
        f"/groups/{klienci.id}/change/?_changelist_filters=q%3DKl",
        typed,
        headers=HTMX if htmx else {},
    )

    body = swapped_or_page(response, htmx, GROUP_FORM)
    assert kept(body, "group-form") == typed
    said = notes(body)
    assert REASONS[mode] in said
    assert MAYBE not in said
    assert group_names(alice_account) == ["Klienci VIP"]


# --- Deleting a group, with its contacts or without ----------------------------------


@pytest.mark.parametrize("delete_contacts", [False, True], ids=["keeping", "with-contacts"])
@pytest.mark.parametrize("mode", MODES)
def test_a_group_delete_that_fails_says_what_is_known(
    client, alice, alice_account, klienci, anna, break_writes, mode, delete_contacts
):
    posted = {"_changelist_filters": "q=Kl"} | (
        {"delete_contacts": "on"} if delete_contacts else {}
    )
    # groups/view; for the history, contacts/index of its members and groups/check of
    # anna's phone; then groups/delete fails
    break_writes(mode)

    response = client.post(f"/groups/{klienci.id}/delete/?_changelist_filters=q%3DKl", posted)

    assert response.status_code == 200
    page = response.content.decode()
    assert kept(page, "group-delete-form")["_changelist_filters"] == ["q=Kl"]
    says_the_write_failed(
        notes(page), mode, "/groups/?q=Klienci+VIP", "search the groups for “Klienci VIP”"
    )
    made = mode in MADE_ANYWAY
    assert group_names(alice_account) == ([] if made else ["Klienci VIP"])
    assert Contact.objects.filter(id=anna.id).exists() is not (made and delete_contacts)


@pytest.mark.parametrize("mode", MODES)
def test_a_group_delete_that_fails_keeps_the_choice_to_delete_its_contacts(
    client, alice, klienci, anna, break_writes, mode
):
    posted = {"_changelist_filters": "q=Kl", "delete_contacts": "on"}
    break_writes(mode)

    response = client.post(f"/groups/{klienci.id}/delete/?_changelist_filters=q%3DKl", posted)

    kept_form = kept(response.content.decode(), "group-delete-form")
    # With what the page shows the group to hold (re-checked when confirmed again).
    assert kept_form.pop("shown_count") == ["1"]
    assert kept_form == {k: [v] for k, v in posted.items()}


@pytest.mark.parametrize("delete_contacts", [False, True], ids=["keeping", "with-contacts"])
@pytest.mark.parametrize("mode", MODES)
def test_a_group_delete_whose_group_cannot_be_read_sends_nothing_and_says_why(
    client, alice, alice_account, klienci, anna, break_api, mode, delete_contacts
):
    posted = {"_changelist_filters": "o=-name"} | (
        {"delete_contacts": "on"} if delete_contacts else {}
    )
    break_api(mode)

    response = client.post(f"/groups/{klienci.id}/delete/", posted, follow=True)

    assert response.redirect_chain == [("/groups/?o=-name", 302)]
    assert response.status_code == 200
    said = notes(response.content.decode())
    assert f'<li class="error">{REASONS[mode]}</li>' in said
    assert MAYBE not in said
    assert group_names(alice_account) == ["Klienci VIP"]
    assert Contact.objects.filter(id=anna.id).exists()


# --- Credentials: checked with groups/index before they are saved -----------------------


@pytest.mark.parametrize("mode", MODES)
def test_credentials_that_cannot_be_checked_are_not_saved_and_the_input_is_kept(
    client, alice, break_api, mode
):
    typed = {
        "next": ["/groups/?q=Kl"],
        "auth_style": ["password"],
        "username": ["alice"],
        "secret": ["alice-password"],
    }
    break_api(mode)

    response = client.post("/settings/credentials/", typed)

    assert response.status_code == 200
    page = response.content.decode()
    # Everything but the secret, which is never sent back to the browser.
    assert kept(page, "credentials-form") == typed | {"secret": [""]}
    assert "alice-password" not in page
    said = notes(page)
    assert f"Nothing was saved: {REASONS[mode]}" in said
    assert MAYBE not in said
    saved = ApiCredentials.objects.get(user=alice)
    assert (saved.auth_style, saved.username, saved.get_secret()) == ("token", "", "alice-token")
