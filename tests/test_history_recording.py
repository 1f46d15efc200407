"""The history: every write a user makes through the app leaves exactly one correct entry.

Each write path is driven through the real views against the sandbox over HTTP; the entry it
leaves is compared, key by key, with the record as the sandbox's own store held it before the
write and holds it after. Reads record nothing; a secret is never recorded; recording happens
in one place (the WriteRecorder, the only way views write), so no view can forget it.
Failures are in test_history_recording_failures.py.
"""

import ast
import inspect
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone

from contacts_ui import views
from contacts_ui.history.recorder import WriteRecorder
from contacts_ui.models import ApiCredentials, HistoryEntry
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import CONTACT_FIELDS, READ_ACTIONS, Credentials, SerwerSMSClient
from contacts_ui.views.shared import api_client_required, recorder_for
from tests.helpers import ANNA, form_values, make_contact, make_user, sandbox_fails_after

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}

# A new contact as typed: the phone in another format, which the app normalises.
TYPED = {
    "phone": ["700 800 900"],
    "email": ["celina@example.pl"],
    "first_name": ["Celina"],
    "last_name": ["Zając"],
    "company": ["Zając i Syn"],
    "tax_id": ["526-025-02-74"],
    "address": ["ul. Długa 5"],
    "city": ["Gdańsk"],
    "description": ["Nowa klientka."],
}
TYPED_AS_SENT = {name: values[0] for name, values in TYPED.items()} | {"phone": "+48700800900"}


# --- Alice's address book ------------------------------------------------------------


def make_world(account) -> SimpleNamespace:
    """Three groups; Anna in two of them, Bartek (no last name) in one, a contact with no
    name in none, and another contact sharing Anna's phone in a third group."""
    klienci = Group.objects.create(account=account, name="Klienci VIP")
    dostawcy = Group.objects.create(account=account, name="Dostawcy")
    partnerzy = Group.objects.create(account=account, name="Partnerzy")
    anna = make_contact(account, groups=[klienci, dostawcy], **ANNA)
    bartek = make_contact(account, "+48600700800", groups=[klienci], first_name="Bartek")
    nameless = make_contact(account, "+48510520530", email="kto@example.pl")
    namesake = make_contact(account, ANNA["phone"], groups=[partnerzy], first_name="Druga")
    return SimpleNamespace(
        klienci=klienci,
        dostawcy=dostawcy,
        partnerzy=partnerzy,
        anna=anna,
        bartek=bartek,
        nameless=nameless,
        namesake=namesake,
    )


@pytest.fixture
def world(alice_account):
    return make_world(alice_account)


# --- The record as the sandbox holds it, in the history's shape --------------------------


def contact_in_sandbox(contact_id: int) -> dict:
    """Every writable field, the sorted ids of its groups and their names."""
    contact = Contact.objects.get(id=contact_id)
    groups = sorted(contact.groups.all(), key=lambda group: group.id)
    return {
        "id": contact.id,
        **{name: getattr(contact, name) for name in CONTACT_FIELDS},
        "group_ids": [group.id for group in groups],
        "group_names": {str(group.id): group.name for group in groups},
    }


def group_in_sandbox(group_id: int) -> dict:
    group = Group.objects.get(id=group_id)
    return {"id": group.id, "name": group.name, "count": group.contacts.count()}


def group_deletion_before(group_id: int, delete_contacts: bool) -> dict:
    """What a group deletion keeps: the group, the choice, and each member's whole record."""
    members = Contact.objects.filter(membership__group_id=group_id).order_by("id")
    return {
        **group_in_sandbox(group_id),
        "delete_contacts": delete_contacts,
        "members": [contact_in_sandbox(member.id) for member in members],
    }


def members_sorted(record: dict | None) -> dict | None:
    """A group deletion's record with its members in id order (the API lists newest first)."""
    if record is None or "members" not in record:
        return record
    return {**record, "members": sorted(record["members"], key=lambda member: member["id"])}


# --- The entry a request leaves ----------------------------------------------------------


def recorded(send) -> tuple[HttpResponse, HistoryEntry]:
    """Make the request; the one HistoryEntry it added, checked to be dated within it."""
    known = list(HistoryEntry.objects.values_list("id", flat=True))
    started = timezone.now()
    response = send()
    finished = timezone.now()
    made = list(HistoryEntry.objects.exclude(id__in=known))
    assert len(made) == 1, f"{len(made)} entries recorded: {made}"
    entry = made[0]
    assert started <= entry.at <= finished
    return response, entry


def summary(entry: HistoryEntry) -> dict:
    """Everything about an entry but the records before and after."""
    return {
        "user": entry.user,
        "username": entry.username,
        "action": entry.action,
        "kind": entry.kind,
        "outcome": entry.outcome,
        "target_id": entry.target_id,
        "target_name": entry.target_name,
        "phone": entry.phone,
        "error": entry.error,
        "undo_of": entry.undo_of,
        "batch": entry.batch,
    }


def expected(user, action: str, target_id, target_name: str, phone: str = "", **more) -> dict:
    """The summary of a write that was done, unless `more` says otherwise."""
    return {
        "user": user,
        "username": user.username,
        "action": action,
        "kind": action.split("_")[0],
        "outcome": "done",
        "target_id": target_id,
        "target_name": target_name,
        "phone": phone,
        "error": "",
        "undo_of": None,
        "batch": None,
        **more,
    }


def contact_form(client, url: str) -> dict[str, list[str]]:
    """The contact form at this URL as a browser would send it back untouched."""
    values = form_values(client.get(url).content.decode(), "contact-form")
    values.pop("csrfmiddlewaretoken")
    return values


# --- Contacts ----------------------------------------------------------------------------


def test_adding_a_contact_records_it_with_the_id_the_sandbox_gave(
    client, alice, alice_account, world
):
    chosen = [world.klienci.id, world.partnerzy.id]
    values = contact_form(client, "/contacts/add/") | TYPED | {"group_id": [str(i) for i in chosen]}

    response, entry = recorded(lambda: client.post("/contacts/add/", values))

    assert response.status_code == 302
    made = Contact.objects.get(account=alice_account, email="celina@example.pl")
    assert summary(entry) == expected(
        alice, "contact_add", made.id, "Celina Zając", phone="+48700800900"
    )
    assert entry.before is None
    assert entry.after == contact_in_sandbox(made.id)
    assert entry.after == {
        "id": made.id,
        **TYPED_AS_SENT,
        "group_ids": sorted(chosen),
        "group_names": {str(world.klienci.id): "Klienci VIP", str(world.partnerzy.id): "Partnerzy"},
    }


def test_changing_a_contact_records_its_fields_and_groups_before_and_after(client, alice, world):
    before = contact_in_sandbox(world.anna.id)
    values = contact_form(client, f"/contacts/{world.anna.id}/change/") | {
        "last_name": ["Nowak"],
        "city": ["Kraków"],
        "group_id": [str(world.dostawcy.id), str(world.partnerzy.id)],
    }

    response, entry = recorded(lambda: client.post(f"/contacts/{world.anna.id}/change/", values))

    assert response.status_code == 302
    assert summary(entry) == expected(
        alice, "contact_edit", world.anna.id, "Anna Nowak", phone="+48500600700"
    )
    # Only Anna's own groups: not those of the other contact with her phone.
    assert before["group_ids"] == sorted([world.klienci.id, world.dostawcy.id])
    assert entry.before == before
    assert entry.after == contact_in_sandbox(world.anna.id)
    assert entry.after == {
        **before,
        "last_name": "Nowak",
        "city": "Kraków",
        "group_ids": sorted([world.dostawcy.id, world.partnerzy.id]),
        "group_names": {str(world.dostawcy.id): "Dostawcy", str(world.partnerzy.id): "Partnerzy"},
    }


CONTACT_DELETES = [
    # (the URL, the headers): the confirmation page's form, and the list row's button (htmx)
    ("/contacts/{id}/delete/", {}),
    ("/contacts/{id}/delete/row/", HTMX),
]


@pytest.mark.parametrize("url, headers", CONTACT_DELETES, ids=["page", "row"])
@pytest.mark.parametrize(
    "who, name",
    [("anna", "Anna Kowalska"), ("bartek", "Bartek"), ("nameless", "+48510520530")],
)
def test_deleting_a_contact_records_its_whole_record_and_groups(
    client, alice, world, url, headers, who, name
):
    contact = getattr(world, who)
    before = contact_in_sandbox(contact.id)

    response, entry = recorded(lambda: client.post(url.format(id=contact.id), headers=headers))

    assert response.status_code == (200 if headers else 302)
    assert not Contact.objects.filter(id=contact.id).exists()
    assert summary(entry) == expected(
        alice, "contact_delete", contact.id, name, phone=before["phone"]
    )
    assert entry.before == before
    assert entry.after is None


# --- Groups ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_adding_a_group_records_it_with_the_id_the_sandbox_gave(
    client, alice, alice_account, headers
):
    response, entry = recorded(
        lambda: client.post("/groups/add/", {"name": "Nowa grupa"}, headers=headers)
    )

    assert response.status_code in (200, 302)
    made = Group.objects.get(account=alice_account)
    assert summary(entry) == expected(alice, "group_add", made.id, "Nowa grupa")
    assert entry.before is None
    assert entry.after == {"id": made.id, "name": "Nowa grupa"}
    assert made.name == "Nowa grupa"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_renaming_a_group_records_its_name_before_and_after(client, alice, world, headers):
    group = world.klienci
    before = group_in_sandbox(group.id)

    response, entry = recorded(
        lambda: client.post(
            f"/groups/{group.id}/change/", {"name": "Stali klienci"}, headers=headers
        )
    )

    assert response.status_code in (200, 302)
    assert summary(entry) == expected(alice, "group_edit", group.id, "Stali klienci")
    assert entry.before == before == {"id": group.id, "name": "Klienci VIP", "count": 2}
    assert entry.after == group_in_sandbox(group.id)
    assert entry.after == {**before, "name": "Stali klienci"}


@pytest.mark.parametrize("delete_contacts", [False, True], ids=["keeping", "with-contacts"])
def test_deleting_a_group_records_each_member_whole_with_all_its_groups(
    client, alice, world, delete_contacts
):
    group = world.klienci
    before = group_deletion_before(group.id, delete_contacts)
    # Anna is in another group too, Bartek only in this one: both are kept whole.
    assert [member["id"] for member in before["members"]] == [world.anna.id, world.bartek.id]
    assert before["members"][0]["group_ids"] == sorted([world.klienci.id, world.dostawcy.id])
    posted = {"delete_contacts": "on"} if delete_contacts else {}

    response, entry = recorded(lambda: client.post(f"/groups/{group.id}/delete/", posted))

    assert response.status_code == 302
    assert not Group.objects.filter(id=group.id).exists()
    gone = not Contact.objects.filter(id__in=[world.anna.id, world.bartek.id]).exists()
    assert gone is delete_contacts
    assert summary(entry) == expected(alice, "group_delete", group.id, "Klienci VIP")
    assert members_sorted(entry.before) == before
    assert entry.after is None


# --- Credentials: the method and username, never the secret ------------------------------

SIGN_INS = {
    "token": {"auth_style": "token", "username": "", "secret": "alice-token"},
    "password": {"auth_style": "password", "username": "alice", "secret": "alice-password"},
}
SECRETS = ("alice-token", "alice-password")


def recorded_as(style: str | None) -> dict | None:
    if style is None:
        return None
    return {"auth_style": style, "username": SIGN_INS[style]["username"]}


@pytest.fixture
def newcomer(client, alice_account, api_url):
    """Alice, logged in, who has saved no API credentials yet."""
    user = make_user("alice")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "first, then",
    [(None, "token"), (None, "password"), ("token", "password"), ("password", "token")],
    ids=["first-token", "first-password", "token-to-password", "password-to-token"],
)
def test_saving_credentials_records_the_method_and_username_only(client, newcomer, first, then):
    if first is not None:
        assert client.post("/settings/credentials/", SIGN_INS[first]).status_code == 302

    response, entry = recorded(lambda: client.post("/settings/credentials/", SIGN_INS[then]))

    assert response.status_code == 302
    assert ApiCredentials.objects.get(user=newcomer).auth_style == then
    assert summary(entry) == expected(
        newcomer, "credentials_change", None, "API credentials of alice"
    )
    assert entry.before == recorded_as(first)
    assert entry.after == recorded_as(then)


def everything_recorded() -> str:
    """Every field of every history entry, as text."""
    return "\n".join(
        json.dumps(getattr(entry, field.attname), ensure_ascii=False, default=str)
        for entry in HistoryEntry.objects.all()
        for field in HistoryEntry._meta.concrete_fields
    )


@pytest.mark.parametrize("style", ["token", "password"])
def test_the_history_never_holds_a_secret(client, newcomer, monkeypatch, settings, style):
    other = "password" if style == "token" else "token"
    settings.SANDBOX_TIMEOUT_SECONDS = 1.0
    settings.SERWERSMS_READ_TIMEOUT = 0.3
    client.post("/settings/credentials/", SIGN_INS[style])
    # Writes under these credentials: done, failed, and of unknown outcome.
    client.post("/groups/add/", {"name": "Klienci"})
    group = Group.objects.get(name="Klienci")
    client.post(f"/groups/{group.id}/change/", {"name": "Klienci VIP"})
    for mode in ("api_error", "disconnect"):
        sandbox_fails_after(monkeypatch, answered=0, mode=mode)
        client.post("/groups/add/", {"name": f"Nieudana {mode}"})
    monkeypatch.undo()
    # Credentials that SerwerSMS rejects, or that cannot be checked, are not saved.
    client.post("/settings/credentials/", SIGN_INS[style] | {"secret": "alice-wrong-secret"})
    sandbox_fails_after(monkeypatch, answered=0, mode="http500")
    client.post("/settings/credentials/", SIGN_INS[other])
    monkeypatch.undo()
    client.post("/settings/credentials/", SIGN_INS[other])
    client.post(f"/groups/{group.id}/delete/")

    # What was searched: each kind of entry these steps leave (the credentials that were
    # not saved may leave entries of their own; those are searched too).
    outcomes = list(HistoryEntry.objects.values_list("action", "outcome"))
    assert outcomes.count(("credentials_change", "done")) == 2
    for made in [("group_add", "done"), ("group_add", "failed"), ("group_add", "unknown")]:
        assert made in outcomes
    assert ("group_edit", "done") in outcomes
    assert ("group_delete", "done") in outcomes
    text = everything_recorded()
    for secret in (*SECRETS, "alice-wrong-secret"):
        assert secret not in text


# --- Reads record nothing ------------------------------------------------------------------

READS = [
    # (the URL, the headers)
    ("/contacts/", {}),
    ("/contacts/", HTMX),
    ("/contacts/?q=Anna&g={klienci}&o=-city", {}),
    ("/contacts/?g=none", HTMX),
    ("/contacts/add/", {}),
    ("/contacts/add/?g={klienci}", {}),
    ("/contacts/{anna}/change/", {}),
    ("/contacts/{anna}/delete/", {}),
    ("/contacts/{anna}/delete/row/", HTMX),  # refused: deleting is a POST
    ("/find/?phone=500600700", {}),
    ("/groups/", {}),
    ("/groups/?q=Kl&o=-name", HTMX),
    ("/groups/add/", {}),
    ("/groups/add/", HTMX),
    ("/groups/{klienci}/change/", {}),
    ("/groups/{klienci}/change/", HTMX),
    ("/groups/{klienci}/delete/", {}),
    ("/groups/{klienci}/delete/?delete_contacts=on", {}),
    ("/settings/credentials/", {}),
]


@pytest.mark.parametrize("url, headers", READS)
def test_reading_a_page_records_nothing(client, alice, world, url, headers):
    response = client.get(url.format(anna=world.anna.id, klienci=world.klienci.id), headers=headers)
    assert response.status_code in (200, 405)
    assert not HistoryEntry.objects.exists()
    assert Contact.objects.filter(id=world.anna.id).exists()


# --- One place: every write the views make goes through the recorder ------------------------

VIEWS = Path(inspect.getfile(views)).parent
WRITES = sorted(
    name
    for name, method in vars(SerwerSMSClient).items()
    if callable(method)
    and not name.startswith("_")
    and name.split("_", 1)[1] not in READ_ACTIONS
    # A read's answer as it came, for the contract check: it refuses any other action.
    and name != "answer_of"
)


def test_the_service_module_writes_are_the_nine_known():
    assert WRITES == [
        "blacklist_add",
        "blacklist_delete",
        "contacts_add",
        "contacts_delete",
        "contacts_edit",
        "contacts_import",
        "groups_add",
        "groups_delete",
        "groups_edit",
    ]


def test_the_recorder_wraps_every_write_of_the_service_module_and_nothing_else():
    public = {name for name in vars(WriteRecorder) if not name.startswith("_")}
    assert set(WRITES) <= public
    reads = {
        name for name in vars(SerwerSMSClient) if not name.startswith("_") and name not in WRITES
    }
    # Reads are made with the service client itself; the recorder only writes.
    assert not public & reads
    # No pass-through for what it does not know: a new write could slip by unrecorded.
    assert not hasattr(WriteRecorder, "__getattr__")


def test_the_decorator_hands_views_the_service_client_with_the_users_credentials(rf, alice):
    handed = []

    @api_client_required
    def view(request, client):
        handed.append(client)
        return HttpResponse()

    request = rf.get("/")
    request.user = alice
    view(request)

    [client] = handed
    assert type(client) is SerwerSMSClient
    assert client.credentials.secret == "alice-token"


def test_recorder_for_records_under_the_signed_in_user_with_the_views_client(rf, alice):
    request = rf.get("/")
    request.user = alice
    client = SerwerSMSClient(Credentials("token", "", "alice-token"), "http://127.0.0.1:1/")

    recorder = recorder_for(request, client)

    assert recorder.client is client
    assert recorder.user == alice
    assert recorder.undo_of is None
    assert recorder.batch is None
    assert recorder.memo.client is client


def view_sources() -> dict[str, str]:
    """Every view module: views/*.py, and the views of each feature package."""
    app = VIEWS.parent
    paths = [*VIEWS.glob("*.py"), *app.glob("*/views.py"), *app.glob("*/*_views.py")]
    return {str(path.relative_to(app)): path.read_text() for path in sorted(paths)}


def test_no_view_makes_a_service_client_or_a_recorder_of_its_own():
    for name, source in view_sources().items():
        assert "SerwerSMSClient(" not in source, name
        assert "WriteRecorder(" not in source.replace("return WriteRecorder(", ""), name
    shared = view_sources()["views/shared.py"]
    # The one client views get, made by the decorator with the user's credentials; the one
    # recorder, made by recorder_for for the signed-in user.
    assert "return view(request, client_for(request, credentials), *args, **kwargs)" in shared
    assert "return WriteRecorder(client, request.user, **options)" in shared


def test_a_bare_client_made_in_a_view_only_reads():
    """The credentials page proves new credentials with a read before saving them."""
    for name, source in view_sources().items():
        if name == "views/shared.py":
            continue
        for method in re.findall(r"client_for\([^()]*\)\.(\w+)\(", source):
            assert method not in WRITES, (name, method)
        assert source.count("client_for(") == len(
            re.findall(r"client_for\([^()]*\)\.(\w+)\(", source)
        ), name


def _is_a_recorder(node) -> bool:
    """`recorder`, or `recorder_for(request, client)` itself."""
    if isinstance(node, ast.Name):
        return node.id == "recorder"
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "recorder_for"
    )


def test_views_write_only_through_a_recorder():
    for name, source in view_sources().items():
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in WRITES:
                assert _is_a_recorder(node.value), (name, node.lineno)
        assert "HistoryEntry(" not in source, name
        assert "HistoryEntry.objects.create" not in source, name


def test_service_modules_write_only_through_a_recorder():
    """Below the views too (undo, merges, the job kinds), every write is a recorder's."""
    app = VIEWS.parent
    services = [
        path
        for path in sorted(app.glob("*/*.py"))
        if path.parent.name not in ("views", "sandbox", "migrations", "management")
        and not path.name.endswith("views.py")
    ]
    assert {path.name for path in services} >= {"undo.py", "merges.py", "kinds.py"}
    for path in services:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and node.attr in WRITES:
                receiver = ast.unparse(node.value)
                assert receiver in ("recorder", "writer", "self.client"), (path.name, receiver)
                if receiver == "self.client":
                    assert path.name == "recorder.py", path.name


def test_every_view_handed_a_client_gets_it_from_the_decorator():
    for name, source in view_sources().items():
        for node in ast.parse(source).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            decorators = {ast.unparse(d) for d in node.decorator_list}
            params = [arg.arg for arg in node.args.args]
            if "login_required" in decorators and "client" in params:
                assert "api_client_required" in decorators, (name, node.name)


def test_nothing_below_views_is_imported_by_a_service_module():
    app = VIEWS.parent
    for path in sorted(app.rglob("*.py")):
        relative = path.relative_to(app)
        if relative.parts[0] in ("views", "sandbox", "templatetags") or "views" in path.name:
            continue
        if relative.name == "urls.py":
            continue
        source = path.read_text()
        assert ".views" not in source.replace("django.views", ""), relative


# --- Isolation: each write under the user who made it --------------------------------------


def test_each_users_writes_are_recorded_under_that_user(client, alice, bob_account, world):
    bob = make_user("bob", token="bob-token")
    bobs_client = Client()
    bobs_client.force_login(bob)
    bobs_contact = make_contact(bob_account, "+48790800900", first_name="Bogdan")

    _, alices = recorded(lambda: client.post("/groups/add/", {"name": "Alicji"}))
    _, bobs = recorded(lambda: bobs_client.post("/groups/add/", {"name": "Boba"}))
    _, bobs_deletion = recorded(lambda: bobs_client.post(f"/contacts/{bobs_contact.id}/delete/"))
    _, alices_deletion = recorded(
        lambda: client.post(f"/contacts/{world.bartek.id}/delete/row/", headers=HTMX)
    )

    assert (alices.user, alices.username) == (alice, "alice")
    assert (alices_deletion.user, alices_deletion.username) == (alice, "alice")
    assert (bobs.user, bobs.username) == (bob, "bob")
    assert (bobs_deletion.user, bobs_deletion.username) == (bob, "bob")
    assert alices.target_id == Group.objects.get(account__name="alice", name="Alicji").id
    assert bobs.target_id == Group.objects.get(account=bob_account, name="Boba").id
    assert bobs_deletion.target_name == "Bogdan"
    assert list(alice.history_entries.order_by("id")) == [alices, alices_deletion]
    assert list(bob.history_entries.order_by("id")) == [bobs, bobs_deletion]


def test_a_user_cannot_delete_another_users_contact_and_nothing_is_recorded(
    client, alice, bob_account
):
    bobs_contact = make_contact(bob_account, "+48790800900", first_name="Bogdan")

    response = client.post(f"/contacts/{bobs_contact.id}/delete/row/", headers=HTMX)

    assert response.status_code == 200
    assert Contact.objects.filter(id=bobs_contact.id).exists()
    assert not HistoryEntry.objects.exists()
