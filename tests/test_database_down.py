"""While the database cannot be reached, a page answers a plain 503 in the admin's look
(never a traceback, never a 500); any other failure is still a 500. The real thing, a
PostgreSQL of the test's own stopped and started again, is in test_database_restart.py."""

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_gone(monkeypatch):
    from django.contrib.sessions.backends import db as session_db

    def unreachable(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed')

    monkeypatch.setattr(session_db.SessionStore, "load", unreachable)


def test_a_page_answers_503_while_the_database_cannot_be_reached(alice, client, database_gone):
    client.raise_request_exception = False
    response = client.get("/contacts/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Temporarily unavailable" in page
    assert "admin/css/base.css" in page
    assert "Traceback" not in page and "OperationalError" not in page


def test_the_503_page_is_in_the_persons_language(alice, client, database_gone):
    client.raise_request_exception = False
    client.cookies["django_language"] = "pl"
    page = client.get("/contacts/").content.decode()
    assert "Chwilowo niedostępne" in page


def test_another_failure_is_still_a_500(alice, client, monkeypatch):
    from contacts_ui.views import contacts

    def broken(*args, **kwargs):
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(contacts, "_all_groups_beside", broken)
    client.raise_request_exception = False
    response = client.get("/contacts/")
    assert response.status_code == 500
    assert "Temporarily unavailable" not in response.content.decode()
