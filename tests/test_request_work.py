"""What a page costs the app itself, besides its API call: two database reads and no
write, the secret decrypted once, and the same whatever the number of rows."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contacts_ui import crypto
from contacts_ui.sandbox.seed import seed_account

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}
PAGES = ["/contacts/?n=200", "/groups/", "/contacts/add/"]


@pytest.fixture
def many_contacts(alice_account):
    seed_account(alice_account, contacts=300, groups=20)


def _app_queries(client, url: str, headers=None) -> list[str]:
    """The SQL the app ran for one page (the sandbox's own, served in this process, left out)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers or {})
    assert response.status_code == 200
    return [q["sql"] for q in queries if "contacts_ui_sandbox_" not in q["sql"]]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "partial"])
def test_a_page_makes_three_queries_and_writes_nothing(client, alice, many_contacts, url, headers):
    client.get(url)  # the session renewed, the group list cached
    queries = _app_queries(client, url, headers)
    # The session, then the user with their credentials and list preferences, then what
    # their role permits, their own permissions and their groups' at once (contacts_ui.auth).
    assert len(queries) == 3, queries
    assert "contacts_ui_apicredentials" in queries[1]
    assert "contacts_ui_listpreferences" in queries[1]
    assert "auth_permission" in queries[2] and "auth_user_groups" in queries[2]
    assert all(sql.startswith("SELECT") for sql in queries), queries


def test_the_number_of_queries_does_not_grow_with_the_rows(client, alice, many_contacts):
    client.get("/contacts/?n=25")
    few = _app_queries(client, "/contacts/?n=25", HTMX)
    many = _app_queries(client, "/contacts/?n=200", HTMX)
    assert len(few) == len(many)


def test_the_secret_is_decrypted_once_a_request(client, alice, many_contacts, monkeypatch):
    decrypted = []
    decrypt = crypto.decrypt
    monkeypatch.setattr(crypto, "decrypt", lambda token: decrypted.append(1) or decrypt(token))
    client.get("/contacts/?n=200")
    decrypted.clear()
    cache.clear()
    # The list and its group sidebar, read side by side (the group list is not cached).
    client.get("/contacts/?n=200&q=a", headers=HTMX)
    assert len(decrypted) == 1
