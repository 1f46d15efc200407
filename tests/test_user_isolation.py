"""One user never acts with another's credentials, whatever ids or parameters they send.

Alice and Bob each have their own SerwerSMS account (in the sandbox); Charlie has none.
Bob, signed in, goes after Alice's records by id and tries every way of asking for her
credentials; Alice's account must stay untouched and unseen.
"""

import pytest

from contacts_ui.models import ApiCredentials
from contacts_ui.sandbox.models import Contact, Group
from tests.db_snapshot import every_row
from tests.helpers import make_contact, make_user

pytestmark = pytest.mark.django_db(transaction=True)

ALICES_WORDS = ("Tajna grupa Alicji", "Alicja", "Tajemnicza", "alice@example.pl")


@pytest.fixture
def alices(alice_account, api_url):
    """Alice's user (not signed in here) and her records."""
    user = make_user("alice", token="alice-token")
    group = Group.objects.create(account=alice_account, name="Tajna grupa Alicji")
    contact = make_contact(
        alice_account,
        phone="+48500600700",
        first_name="Alicja",
        last_name="Tajemnicza",
        email="alice@example.pl",
        groups=[group],
    )
    return {"user": user, "group": group.id, "contact": contact.id}


@pytest.fixture
def bob(client, bob_account, api_url):
    group = Group.objects.create(account=bob_account, name="Grupa Boba")
    make_contact(bob_account, phone="+48600700800", first_name="Bogdan", groups=[group])
    user = make_user("bob", token="bob-token")
    client.force_login(user)
    return user


def shows_alices_records(text: str) -> list[str]:
    return [word for word in ALICES_WORDS if word in text]


def _seen(client, response) -> str:
    """The answer, and the next page (which shows any message the answer queued)."""
    return response.content.decode() + client.get("/groups/").content.decode()


# --- Alice's ids -------------------------------------------------------------------------

CONTACT_GONE = "That contact does not exist"
GROUP_GONE = "That group does not exist"

ALICES_IDS = [
    ("get", "/contacts/{contact}/change/", {}, False, CONTACT_GONE),
    (
        "post",
        "/contacts/{contact}/change/",
        {"phone": "+48500600799", "first_name": "Zmieniona", "groups_shown": "1"},
        False,
        CONTACT_GONE,
    ),
    ("get", "/contacts/{contact}/delete/", {}, False, CONTACT_GONE),
    ("post", "/contacts/{contact}/delete/", {}, False, CONTACT_GONE),
    ("post", "/contacts/{contact}/delete/row/", {}, True, "The contact was not deleted"),
    ("get", "/groups/{group}/change/", {}, False, GROUP_GONE),
    ("post", "/groups/{group}/change/", {"name": "Zmieniona"}, False, GROUP_GONE),
    ("post", "/groups/{group}/change/", {"name": "Zmieniona"}, True, GROUP_GONE),
    ("get", "/groups/{group}/delete/", {}, False, GROUP_GONE),
    ("post", "/groups/{group}/delete/", {"delete_contacts": "on"}, False, GROUP_GONE),
    ("get", "/contacts/?g={group}", {}, False, "It does not exist in your SerwerSMS account"),
    ("get", "/contacts/?g={group}", {}, True, "It does not exist in your SerwerSMS account"),
    ("get", "/contacts/add/?g={group}", {}, False, "Add contact"),
    (
        "post",
        "/contacts/add/",
        {"phone": "+48500600798", "group_id": "{group}"},
        False,
        "Select a valid choice",
    ),
    (
        "get",
        "/find/?phone=500600700",
        {},
        False,
        "No group holds a contact with the number +48500600700.",
    ),
]


@pytest.mark.parametrize(
    "method, url, fields, htmx, words",
    ALICES_IDS,
    ids=[f"{m} {u}{' htmx' if h else ''}" for m, u, _, h, _ in ALICES_IDS],
)
def test_bob_can_neither_see_nor_change_alices_records_by_id(
    client, alices, bob, method, url, fields, htmx, words
):
    before = every_row()
    fields = {name: value.format(**alices) for name, value in fields.items()}
    headers = {"HX-Request": "true"} if htmx else {}
    response = getattr(client, method)(url.format(**alices), fields, headers=headers)
    seen = _seen(client, response)
    assert words in seen
    assert shows_alices_records(seen) == []
    assert every_row() == before


# --- Asking for Alice's credentials --------------------------------------------------------


def _spoof(kind: str, client, alice) -> tuple[dict, dict]:
    """Query parameters and headers that ask for Alice's credentials (or set them up)."""
    alices_credentials = ApiCredentials.objects.get(user=alice)
    if kind == "parameters":
        return {
            "user": alice.pk,
            "user_id": alice.pk,
            "credentials": alices_credentials.pk,
            "credentials_id": alices_credentials.pk,
            "token": "alice-token",
            "auth_style": "password",
            "username": "alice",
            "password": "alice-password",
            "secret": "alice-token",
        }, {}
    if kind == "headers":
        return {}, {
            "Authorization": "Bearer alice-token",
            "X-Forwarded-User": "alice",
            "X-Remote-User": "alice",
            "Remote-User": "alice",
            "X-User-Id": str(alice.pk),
            "X-Api-Token": "alice-token",
        }
    if kind == "session":
        session = client.session
        session.update(
            {
                "user_id": alice.pk,
                "credentials_id": alices_credentials.pk,
                "api_credentials": {"auth_style": "token", "secret": "alice-token"},
                "token": "alice-token",
            }
        )
        session.save()
        return {}, {}
    if kind == "cookies":
        client.cookies["user_id"] = str(alice.pk)
        client.cookies["token"] = "alice-token"
        client.cookies["credentials"] = str(alices_credentials.pk)
        return {}, {}
    raise AssertionError(kind)


SPOOFS = ["parameters", "headers", "session", "cookies"]


@pytest.mark.parametrize("kind", SPOOFS)
def test_asking_for_alices_credentials_still_shows_bob_only_his_own(client, alices, bob, kind):
    params, headers = _spoof(kind, client, alices["user"])
    for url in ("/groups/", "/contacts/", "/find/?phone=500600700"):
        page = client.get(url, params, headers=headers).content.decode()
        assert shows_alices_records(page) == []
    assert "Grupa Boba" in client.get("/groups/", params, headers=headers).content.decode()
    assert "Bogdan" in client.get("/contacts/", params, headers=headers).content.decode()


@pytest.mark.parametrize("kind", SPOOFS)
def test_asking_for_alices_credentials_does_not_reach_her_records(client, alices, bob, kind):
    params, headers = _spoof(kind, client, alices["user"])
    before = every_row()
    url = f"/contacts/{alices['contact']}/delete/row/"
    response = client.post(url, params, headers={**headers, "HX-Request": "true"})
    assert "The contact was not deleted" in response.content.decode()
    page = client.get(f"/contacts/{alices['contact']}/change/", params, headers=headers)
    assert shows_alices_records(_seen(client, page)) == []
    assert every_row() == before


@pytest.mark.parametrize("kind", SPOOFS)
def test_what_bob_adds_goes_to_his_own_account(client, alices, bob, bob_account, kind):
    params, headers = _spoof(kind, client, alices["user"])
    response = client.post("/groups/add/", {**params, "name": "Nowa"}, headers=headers)
    assert response.status_code == 302
    assert Group.objects.get(name="Nowa").account == bob_account


def test_remote_user_from_the_server_is_not_trusted(client, alices, bob):
    # RemoteUserMiddleware is not installed: REMOTE_USER is not a way to sign in as Alice.
    page = client.get("/groups/", REMOTE_USER="alice").content.decode()
    assert shows_alices_records(page) == []
    assert "Grupa Boba" in page


# --- A user with no credentials ----------------------------------------------------------


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/groups/"),
        ("get", "/contacts/"),
        ("get", "/contacts/?g={group}"),
        ("get", "/find/?phone=500600700"),
        ("get", "/contacts/{contact}/change/"),
        ("post", "/contacts/{contact}/delete/"),
        ("post", "/contacts/{contact}/delete/row/"),
        ("post", "/groups/{group}/delete/"),
    ],
)
@pytest.mark.parametrize("kind", SPOOFS)
def test_a_user_without_credentials_is_sent_to_enter_his_own(
    client, alices, charlie, method, url, kind
):
    params, headers = _spoof(kind, client, alices["user"])
    before = every_row()
    response = getattr(client, method)(url.format(**alices), params, headers=headers)
    assert response.status_code == 302
    assert response.url.startswith("/settings/credentials/?next=")
    page = client.get(response.url).content.decode()
    assert "Enter your API credentials to continue." in page
    assert shows_alices_records(page) == []
    assert every_row() == before


def test_saving_credentials_with_alices_ids_saves_only_ones_own(
    client, alices, charlie, bob_account
):
    alices_credentials = ApiCredentials.objects.get(user=alices["user"])
    before = ApiCredentials.objects.filter(pk=alices_credentials.pk).values().get()
    client.post(
        "/settings/credentials/",
        {
            "auth_style": "token",
            "secret": "bob-token",
            "user": alices["user"].pk,
            "user_id": alices["user"].pk,
            "id": alices_credentials.pk,
            "pk": alices_credentials.pk,
        },
    )
    assert ApiCredentials.objects.filter(pk=alices_credentials.pk).values().get() == before
    assert ApiCredentials.objects.get(user=charlie).get_secret() == "bob-token"


def test_only_a_superuser_may_enter_alices_credentials_for_her(
    client, alices, charlie, bob_account
):
    """A colleague, even a Manager, cannot put their own API account under alice's login (the
    people page is a superuser's), nor read what she has."""
    alices_credentials = ApiCredentials.objects.get(user=alices["user"])
    before = ApiCredentials.objects.filter(pk=alices_credentials.pk).values().get()
    url = f"/people/{alices['user'].pk}/credentials/"
    assert client.get(url).status_code == 403
    response = client.post(url, {"auth_style": "token", "secret": "bob-token"})
    assert response.status_code == 403
    assert ApiCredentials.objects.filter(pk=alices_credentials.pk).values().get() == before


def test_the_stored_credentials_are_not_open_to_a_user_who_is_not_staff(client, alices, bob):
    credentials = ApiCredentials.objects.get(user=alices["user"])
    response = client.get(f"/admin/contacts_ui/apicredentials/{credentials.pk}/change/")
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_alices_records_are_still_there_for_her(client, alices):
    client.force_login(alices["user"])
    page = client.get("/contacts/").content.decode()
    assert "Tajemnicza" in page
    assert Contact.objects.filter(id=alices["contact"]).exists()
