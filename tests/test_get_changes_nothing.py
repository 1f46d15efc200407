"""GET never changes anything: not this app's rows, not the sandbox's store, not the session."""

import uuid

import pytest

from contacts_ui.models import ListPreferences
from contacts_ui.sandbox.models import Group
from contacts_ui.serwersms import ContactData
from tests.db_snapshot import every_row
from tests.helpers import make_contact
from tests.history_entries import contact_delete, jobs_and_uploads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def data(alice, alice_account):
    group = Group.objects.create(account=alice_account, name="Klienci")
    contact = make_contact(alice_account, first_name="Jan", groups=[group])
    # Saved preferences that a GET could wrongly overwrite.
    ListPreferences.objects.create(user=alice, page_size=25, extra_columns=["city"])
    # A deletion in the history, that a GET of its undo page must not undo.
    deleted = make_contact(alice_account, "+48500600799", first_name="Ewa")
    entry = contact_delete(
        alice,
        ContactData(phone=deleted.phone, first_name="Ewa"),
        contact_id=deleted.id,
        batch=uuid.uuid4(),
    )
    deleted.delete()
    return {
        "group": group.id,
        "contact": contact.id,
        "entry": entry.id,
        "batch": entry.batch,
        **jobs_and_uploads(alice),
    }


# Every URL, with query parameters that a POST to it would act on, and some that nothing reads.
URLS = [
    "/",
    "/contacts/?n=100",
    "/contacts/?n=200&q=Jan&g={group}&o=-phone&p=2",
    "/contacts/?columns=tax_id&columns=address&page_size=100",
    "/contacts/add/?phone=%2B48500600799&first_name=Ghost&group_id={group}&_save=1",
    "/contacts/columns/?columns=tax_id",
    "/contacts/page-size/?n=100",
    "/contacts/{contact}/change/?phone=%2B48999&first_name=Changed&groups_shown=1&_save=1",
    "/contacts/{contact}/delete/?post=yes&confirm=1",
    "/contacts/{contact}/delete/row/",
    "/find/?phone=500600700",
    "/contacts/export.csv?q=Jan&g={group}&o=-phone",
    "/contacts/action/?action=delete&_selected_action={contact}&post=yes&select_across=1",
    "/contacts/count/?q=Jan&g={group}",
    "/contacts/total/?q=Jan&g={group}&pages=2",
    "/cleanup/",
    "/cleanup/scan/",
    "/cleanup/empty-groups/delete/?id={group}&post=yes",
    "/cleanup/no-group/add/?id={contact}&group_id={group}&post=yes",
    "/cleanup/contacts/merge/?id={contact}&keep={contact}&post=yes",
    "/cleanup/groups/merge/?id={group}&keep={group}&post=yes",
    "/jobs/",
    "/jobs/{job}/?items=all",
    "/jobs/{job}/cancel/",
    "/jobs/{job}/retry/",
    "/jobs/{job}/failed.csv",
    "/import/",
    "/import/{upload}/?c1=phone&header=on",
    "/import/{upload}/preview/?c1=phone&header=on&errors=1",
    "/import/{upload}/errors.csv?c1=phone&header=on",
    "/import/{upload}/start/?c1=phone&header=on",
    "/groups/?q=Kl&o=-name&p=1",
    "/groups/add/?name=Ghost&_save=1",
    "/groups/{group}/change/?name=Renamed&_continue=1",
    "/groups/{group}/delete/?delete_contacts=on&post=yes",
    "/settings/credentials/?auth_style=token&secret=bob-token&username=bob",
    "/history/?q=Ewa&a=contact_delete&d=today",
    "/history/{entry}/",
    "/history/{entry}/undo/?post=yes",
    "/trash/?q=Ewa",
    "/trash/restore/?entry={entry}",
    "/history/?batch={batch}",
    "/history/batch/{batch}/undo/?entry={entry}",
    "/i18n/setlang/?language=pl&next=/groups/",
    "/jsi18n/",
    "/accounts/password_change/?old_password=pass-for-tests&new_password1=x&new_password2=x",
    "/accounts/logout/",
    "/admin/logout/",
]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("url", URLS)
def test_a_get_changes_nothing(client, alice, data, url, htmx):
    before = every_row()
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(url.format(**data), headers=headers)
    assert response.status_code < 500
    assert every_row() == before
    assert "django_language" not in response.cookies
    # Still signed in: no GET logs out.
    assert client.get("/settings/credentials/").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/contacts/columns/",
        "/contacts/page-size/",
        "/contacts/{contact}/delete/row/",
        "/trash/restore/",
        "/accounts/logout/",
    ],
)
def test_an_endpoint_that_only_acts_refuses_get(client, alice, data, url):
    assert client.get(url.format(**data)).status_code == 405


@pytest.mark.parametrize(
    "url, question",
    [
        ("/contacts/{contact}/delete/", "Are you sure you want to delete the contact"),
        ("/groups/{group}/delete/", "Are you sure you want to delete the group"),
    ],
)
def test_a_delete_asks_first_on_get(client, alice, data, url, question):
    response = client.get(url.format(**data))
    assert response.status_code == 200
    assert question in response.content.decode()
    assert '<form method="post"' in response.content.decode()


def test_a_page_size_in_the_address_shows_that_many_without_saving_it(client, alice, data):
    response = client.get("/contacts/?n=100")
    assert '<option value="100" selected>100</option>' in response.content.decode()
    assert ListPreferences.objects.get(user=alice).page_size == 25
