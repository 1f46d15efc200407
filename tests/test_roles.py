"""Roles as staff meet them: what each role is offered, what stops a job whose person's role
changed, a Manager undoing a colleague's change, and the migration that made the roles.
Which URL each role may reach is test_role_access.py's."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group as Role
from django.contrib.auth.models import User

from contacts_ui import roles
from contacts_ui.models import ApiCredentials, HistoryEntry, Job
from contacts_ui.sandbox.models import BlacklistedNumber, Contact, Group
from tests import bulk_actions
from tests.bulk_actions import choose, confirm, groups_of
from tests.helpers import give_role, make_contact, make_user
from tests.jobs import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

groups = bulk_actions.groups
people = bulk_actions.people


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- What each role is offered -------------------------------------------------------------


def test_a_viewer_is_offered_no_action_tick_box_delete_or_add_on_the_contacts_list(
    client, alice, people
):
    give_role(alice, roles.VIEWER)
    page = _page(client, "/contacts/")
    assert "Adam" in page
    assert 'id="contact-actions"' not in page
    assert 'name="_selected_action"' not in page
    assert 'class="deletelink"' not in page
    assert "/contacts/add/" not in page
    assert 'id="contact-export"' in page
    # No column left empty for what is not offered.
    assert 'class="column-actions"' not in page and 'class="field-actions"' not in page


def test_a_manager_is_offered_all_of_them(client, alice, people):
    page = _page(client, "/contacts/")
    assert 'id="contact-actions"' in page
    assert f'value="{people["Adam"].id}" class="action-select"' in page
    assert 'class="deletelink"' in page
    assert "/contacts/add/" in page
    assert 'class="column-actions"' in page and 'class="field-actions"' in page


@pytest.mark.parametrize(
    "role, shown, hidden",
    [
        (roles.VIEWER, ["/contacts/", "/history/", "/jobs/"], ["/import/", "/cleanup/", "/trash/"]),
        (roles.EDITOR, ["/contacts/add/", "/trash/"], ["/import/", "/cleanup/"]),
        (roles.MANAGER, ["/import/", "/cleanup/", "/trash/", "/contacts/add/"], []),
        (None, ["/settings/credentials/"], ["/contacts/", "/history/", "/jobs/"]),
    ],
)
def test_the_sidebar_offers_what_the_role_may_open(client, alice, role, shown, hidden):
    give_role(alice, role)
    page = _page(client, "/settings/credentials/")
    start = page.index('id="nav-sidebar"')
    sidebar = page[start : page.index("</nav>", start)]
    for url in shown:
        assert f'href="{url}"' in sidebar, url
    for url in hidden:
        assert f'href="{url}"' not in sidebar, url


def test_a_viewer_sees_a_contact_read_only(client, alice, people):
    give_role(alice, roles.VIEWER)
    page = _page(client, f"/contacts/{people['Adam'].id}/change/")
    assert "<h1>View contact</h1>" in page
    assert 'name="first_name" value="Adam"' in page and "disabled" in page
    assert 'name="_save"' not in page
    assert "Your role may view this contact, not change it." in page
    assert "Stop messages to this number" not in page


def test_a_viewer_sees_a_group_read_only(client, alice, groups):
    give_role(alice, roles.VIEWER)
    page = _page(client, f"/groups/{groups['VIP'].id}/change/")
    assert 'name="_save"' not in page and "Delete" not in page
    assert "Your role may view this group, not change it." in page


def test_a_viewer_is_offered_no_blacklist_change(client, alice, alice_account):
    BlacklistedNumber.objects.create(account=alice_account, phone="+48500600700")
    give_role(alice, roles.VIEWER)
    page = _page(client, "/blacklist/")
    assert "+48500600700" in page
    assert 'id="blacklist-add-form"' not in page
    assert 'class="column-actions"' not in page and "Allow messages again" not in page
    give_role(alice, roles.EDITOR)
    page = _page(client, "/blacklist/")
    assert 'class="column-actions"' in page and "Allow messages again" in page


def test_an_editor_deletes_a_group_but_is_not_offered_its_contacts(
    client, alice, alice_account, people, groups
):
    give_role(alice, roles.EDITOR)
    klienci = groups["Klienci"]
    page = _page(client, f"/groups/{klienci.id}/delete/")
    assert 'name="delete_contacts"' not in page
    assert "Its contacts stay in your address book; only the group goes." in page

    client.post(f"/groups/{klienci.id}/delete/", {"shown_count": "4"})
    run_worker()  # four members are recorded by the task worker

    assert not Group.objects.filter(pk=klienci.pk).exists()
    assert Contact.objects.filter(account=alice_account).count() == 7


def test_an_editor_asking_to_delete_a_groups_contacts_is_refused_and_nothing_goes(
    client, alice, alice_account, people, groups
):
    give_role(alice, roles.EDITOR)
    klienci = groups["Klienci"]
    response = client.post(
        f"/groups/{klienci.id}/delete/", {"delete_contacts": "on", "shown_count": "4"}
    )
    assert response.status_code == 403
    assert Group.objects.filter(pk=klienci.pk).exists()
    assert Contact.objects.filter(account=alice_account).count() == 7


def test_a_manager_is_offered_to_delete_a_groups_contacts(client, alice, groups, people):
    page = _page(client, f"/groups/{groups['Klienci'].id}/delete/")
    assert 'name="delete_contacts"' in page


def test_someone_with_no_role_is_sent_to_their_credentials_with_a_sentence(client, alice):
    give_role(alice, None)
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/settings/credentials/"
    assert "You have no role here yet" in response.content.decode()


def test_the_refusal_is_said_in_polish(client, alice, people):
    give_role(alice, roles.VIEWER)
    client.cookies.load({"django_language": "pl"})
    page = client.post(f"/contacts/{people['Adam'].id}/delete/").content.decode()
    assert "Nie możesz tego zrobić" in page
    assert "Przeglądający" in page


def test_a_viewer_is_offered_no_undo_of_a_bulk_action(client, alice, people, groups):
    confirmation = choose(client, "add_to_group", across=True)
    confirm(client, confirmation, group=groups["VIP"])
    run_worker()
    batch = Job.objects.get().batch
    assert "Undo this bulk action" in _page(client, f"/history/?batch={batch}")
    assert "Undo all of it" in _page(client, f"/jobs/{Job.objects.get().pk}/")

    give_role(alice, roles.VIEWER)

    assert "Undo this bulk action" not in _page(client, f"/history/?batch={batch}")
    assert "Undo all of it" not in _page(client, f"/jobs/{Job.objects.get().pk}/")


# --- Jobs ----------------------------------------------------------------------------------


def test_a_job_whose_persons_role_was_lowered_stops_before_any_call(
    client, alice, alice_account, people, groups
):
    confirmation = choose(client, "add_to_group", across=True)
    confirm(client, confirmation, group=groups["VIP"])
    before = groups_of(alice_account)
    give_role(alice, roles.VIEWER)

    run_worker()

    job = Job.objects.get()
    assert job.state == Job.State.STOPPED
    assert job.error == "Your role no longer allows this work, so it stopped."
    assert groups_of(alice_account) == before
    assert not HistoryEntry.objects.filter(batch=job.batch).exists()
    # Its page offers no retry, and a retry sent anyway is refused.
    give_role(alice, roles.EDITOR)
    assert "Retry" not in _page(client, f"/jobs/{job.pk}/")
    assert client.post(f"/jobs/{job.pk}/retry/").status_code == 403
    assert Job.objects.count() == 1


def test_a_job_keeps_what_it_needs(client, alice, groups, people):
    confirmation = choose(client, "add_to_group", across=True)
    confirm(client, confirmation, group=groups["VIP"])
    assert Job.objects.get().permissions == [roles.BULK]


# --- A Manager and a colleague's changes ---------------------------------------------------


@pytest.fixture
def colleague(alice_account):
    """Celina, an Editor, with the same API token as Alice."""
    return make_user("celina", token="alice-token", role=roles.EDITOR)


def test_a_manager_sees_and_undoes_a_colleagues_change_made_with_the_same_credentials(
    client, alice, alice_account, colleague
):
    contact = make_contact(alice_account, "+48500600790", first_name="Ola")
    celina = client.__class__()
    celina.force_login(colleague)
    celina.post(f"/contacts/{contact.id}/delete/")
    deletion = HistoryEntry.objects.get(user=colleague)
    assert not Contact.objects.filter(account=alice_account, phone=contact.phone).exists()

    assert f"/history/{deletion.id}/" in _page(client, "/history/")
    assert "Undo…" in _page(client, f"/history/{deletion.id}/")
    client.post(f"/history/{deletion.id}/undo/")

    assert Contact.objects.filter(account=alice_account, phone=contact.phone).exists()
    undone = HistoryEntry.objects.get(undo_of=deletion)
    assert (undone.user, undone.outcome) == (alice, HistoryEntry.Outcome.DONE)


def test_an_editor_neither_sees_nor_undoes_a_managers_change(
    client, alice, alice_account, colleague
):
    contact = make_contact(alice_account, "+48500600790", first_name="Ola")
    client.post(f"/contacts/{contact.id}/delete/")
    deletion = HistoryEntry.objects.get(user=alice)
    client.force_login(colleague)

    assert f"/history/{deletion.id}/" not in _page(client, "/history/")
    assert client.get(f"/history/{deletion.id}/").status_code == 404
    assert client.post(f"/history/{deletion.id}/undo/").status_code == 404
    assert not Contact.objects.filter(account=alice_account, phone=contact.phone).exists()


# --- The migration -------------------------------------------------------------------------


def test_the_migration_makes_the_three_roles_and_keeps_everyone_able_to_do_what_they_did(db):
    Role.objects.all().delete()
    before_roles = User.objects.create_user("ewa")
    root = User.objects.create_superuser("root")
    migration = importlib.import_module("contacts_ui.migrations.0015_roles")

    migration.make_roles(apps, None)

    for name, codenames in roles.ROLES.items():
        held = Role.objects.get(name=name).permissions.values_list("codename", flat=True)
        assert sorted(held) == sorted(codenames), name
    assert list(before_roles.groups.values_list("name", flat=True)) == [roles.MANAGER]
    assert not root.groups.exists()
    assert ApiCredentials.objects.count() == 0
