"""Django's admin shows everyone's history to a superuser, read-only, and to no one else."""

import pytest
from django.contrib.auth.models import Permission

from tests.helpers import make_user
from tests.history_entries import contact_edit, group_edit

pytestmark = pytest.mark.django_db

URL = "/admin/contacts_ui/historyentry/"


@pytest.fixture
def entries():
    alice, bob = make_user("alice"), make_user("bob")
    return contact_edit(alice, city="Kraków"), group_edit(bob, new="Hurtownie")


def test_a_superuser_sees_everyones_entries(client, root, entries):
    page = client.get(URL).content.decode()
    for text in ("Anna Kowalska", "+48500600700", "Hurtownie", "alice", "bob", "contact changed"):
        assert text in page


def test_a_superuser_searches_and_filters(client, root, entries):
    assert "Hurtownie" not in client.get(URL, {"q": "600700"}).content.decode()
    assert "Anna Kowalska" not in client.get(URL, {"q": "bob"}).content.decode()
    page = client.get(URL, {"action__exact": "group_edit"}).content.decode()
    assert "Hurtownie" in page and "Anna Kowalska" not in page


def test_an_entry_is_read_only_with_its_records(client, root, entries):
    edit, _ = entries
    response = client.get(f"{URL}{edit.id}/change/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "&quot;city&quot;: &quot;Kraków&quot;" in page
    assert '<input type="submit"' not in page
    assert "deletelink" not in page


def test_nobody_adds_changes_or_deletes_entries(client, root, entries):
    edit, _ = entries
    assert client.get(f"{URL}add/").status_code == 403
    assert client.post(f"{URL}{edit.id}/change/", {"target_name": "x"}).status_code == 403
    assert client.post(f"{URL}{edit.id}/delete/", {"post": "yes"}).status_code == 403
    edit.refresh_from_db()
    assert edit.target_name == "Anna Kowalska"


def test_staff_are_refused_even_with_the_view_permission(client, entries):
    staff = make_user("staff")
    staff.is_staff = True
    staff.save()
    staff.user_permissions.add(Permission.objects.get(codename="view_historyentry"))
    client.force_login(staff)
    assert client.get(URL).status_code == 403
    assert "historyentry" not in client.get("/admin/").content.decode()
