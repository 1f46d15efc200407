"""Merging duplicate contacts (cleanup/contacts/merge/): side by side, the one to keep, the
merged contact, and what is said when a step fails."""

import uuid

import pytest

from contacts_ui.models import HistoryEntry
from contacts_ui.sandbox.models import BlacklistedNumber, Contact, Group, Membership
from tests import cleanup_findings
from tests.cleanup_findings import _page
from tests.helpers import form_values, make_contact, sandbox_fails_after, table_rows, writes_fail

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the cleanup modules (tests/cleanup_findings.py).
account = cleanup_findings.account


@pytest.fixture
def twins(account):
    """Anna twice with the same phone in Klienci; the second also in VIP, with more fields."""
    anna = Contact.objects.get(first_name="Anna")
    kowalska = Contact.objects.get(last_name="Kowalska")
    kowalska.city, kowalska.email = "Łódź", "anna@example.pl"
    kowalska.save()
    Membership.objects.create(contact=kowalska, group=Group.objects.get(name="VIP"))
    return anna, kowalska


def _merge_url(*contacts, **extra) -> str:
    query = "&".join(f"id={c.id}" for c in contacts)
    return f"/cleanup/contacts/merge/?{query}" + "".join(f"&{k}={v}" for k, v in extra.items())


def test_review_shows_the_contacts_side_by_side_with_their_groups(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska))
    rows = {row[0]: row[1:] for row in table_rows(page, "side-by-side")}
    assert rows["First name"] == ["Anna", "—"]
    assert rows["Last name"] == ["—", "Kowalska"]
    assert rows["City"] == ["—", "Łódź"]
    assert rows["Groups"] == ["“Klienci”", "“Klienci”, “VIP”"]
    assert set(form_values(page, "keep-form")["id"]) == {str(anna.id), str(kowalska.id)}


def test_review_suggests_keeping_the_fullest_contact(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska))
    assert form_values(page, "keep-form")["keep"] == [str(kowalska.id)]


def test_choosing_which_to_keep_shows_the_merged_contact_first(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska, keep=anna.id))
    rows = {row[0]: row[1:] for row in table_rows(page, "merged-contact")}
    assert rows["First name"] == ["Anna", ""]
    assert rows["Last name"] == ["Kowalska", "“Kowalska”"]
    assert rows["City"] == ["Łódź", "“Kowalska”"]
    assert rows["Groups"][0] == "“Klienci”, “VIP”"
    assert "Merging keeps “Anna”, writes to it the fields and groups below" in page
    assert "<li>“Kowalska” (+48500100200)</li>" in page
    assert Contact.objects.count() == 4


def test_merging_leaves_one_contact_with_every_field_and_group(client, alice, twins):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    response = client.post("/cleanup/contacts/merge/", values, follow=True)
    assert "Kept “Anna Kowalska” and updated it; deleted “Kowalska”." in response.content.decode()
    assert not Contact.objects.filter(id=kowalska.id).exists()
    anna.refresh_from_db()
    assert (anna.first_name, anna.last_name, anna.city, anna.email) == (
        "Anna",
        "Kowalska",
        "Łódź",
        "anna@example.pl",
    )
    assert set(anna.groups.values_list("name", flat=True)) == {"Klienci", "VIP"}


def test_the_merges_history_entries_share_one_batch(client, alice, twins):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    client.post("/cleanup/contacts/merge/", values)
    entries = HistoryEntry.objects.order_by("id")
    assert [(e.action, e.target_id) for e in entries] == [
        ("contact_edit", anna.id),
        ("contact_delete", kowalska.id),
    ]
    assert entries[0].batch is not None
    assert entries[0].batch == entries[1].batch


def test_a_contact_changed_since_the_confirmation_is_not_merged(client, alice, twins):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    kowalska.company = "Nowa firma"
    kowalska.save()
    response = client.post("/cleanup/contacts/merge/", values)
    assert response.status_code == 200
    assert "The contacts changed since this page was shown." in response.content.decode()
    assert Contact.objects.filter(id=kowalska.id).exists()
    assert not HistoryEntry.objects.exists()


def test_when_saving_the_kept_contact_fails_nothing_is_deleted(client, alice, twins, monkeypatch):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    # The reads (two contacts/view, one groups/check: they share the phone) answer; the edit fails.
    writes_fail(monkeypatch, "api_error")
    response = client.post("/cleanup/contacts/merge/", values)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The other contacts were not deleted; nothing else was changed." in page
    assert Contact.objects.filter(id=kowalska.id).exists()
    anna.refresh_from_db()
    assert anna.city == ""


def test_when_deleting_an_extra_fails_it_says_exactly_what_was_done(
    client, alice, twins, monkeypatch
):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    # The three reads and the edit answer; the deletion fails.
    sandbox_fails_after(monkeypatch, answered=4, mode="api_error")
    response = client.post("/cleanup/contacts/merge/", values, follow=True)
    page = response.content.decode()
    assert (
        '<li class="warning">Kept “Anna Kowalska” and updated it. Deleting “Kowalska” failed:'
        in (page)
    )
    assert "Nothing else was changed.</li>" in page
    assert Contact.objects.filter(id=kowalska.id).exists()
    anna.refresh_from_db()
    assert anna.city == "Łódź"


def test_when_the_contacts_cannot_be_read_it_says_so(client, alice, twins, faults):
    anna, kowalska = twins
    faults("http500")
    response = client.get(_merge_url(anna, kowalska), follow=True)
    assert response.status_code == 200
    assert "The SerwerSMS API answered with an error (HTTP 500)." in response.content.decode()


def test_when_reading_fails_on_merging_nothing_is_changed(client, alice, twins, faults):
    anna, kowalska = twins
    values = form_values(_page(client, _merge_url(anna, kowalska, keep=anna.id)), "merge-form")
    faults("http500")
    response = client.post("/cleanup/contacts/merge/", values)
    assert response.status_code == 302
    assert response.url == _merge_url(anna, kowalska, keep=anna.id)
    assert Contact.objects.filter(id=kowalska.id).exists()


def test_a_contact_deleted_meanwhile_leaves_nothing_to_merge(client, alice, twins):
    anna, kowalska = twins
    url = _merge_url(anna, kowalska)
    kowalska.delete()
    response = client.get(url, follow=True)
    assert "only one is left" in response.content.decode()


def test_fewer_than_two_contacts_cannot_be_merged(client, alice, twins):
    response = client.get("/cleanup/contacts/merge/?id=1&id=x", follow=True)
    assert "Choose at least two contacts to compare." in response.content.decode()


def test_a_keep_outside_the_set_is_refused(client, alice, twins):
    anna, kowalska = twins
    page = _page(client, _merge_url(anna, kowalska, keep=999))
    assert "Select a valid choice." in page
    assert "merged-contact" not in page


def test_a_batch_is_a_uuid_not_shared_between_merges(client, alice, twins):
    # Two merges in a row are two batches: each is undone on its own.
    anna, kowalska = twins
    other = make_contact(Contact.objects.first().account, "+48500100299", first_name="X")
    twin = make_contact(other.account, "+48500100299", last_name="Y")
    for pair in ((anna, kowalska), (other, twin)):
        values = form_values(_page(client, _merge_url(*pair, keep=pair[0].id)), "merge-form")
        client.post("/cleanup/contacts/merge/", values)
    batches = set(HistoryEntry.objects.values_list("batch", flat=True))
    assert len(batches) == 2
    assert all(isinstance(b, uuid.UUID) for b in batches)


def test_the_merge_page_says_the_truth_about_the_blacklist(client, alice, alice_account, twins):
    anna, kowalska = twins
    # Duplicates by name with another number, the other's on the blacklist.
    kowalska.phone = "+48600700800"
    kowalska.refresh_search_text()
    kowalska.save()
    BlacklistedNumber.objects.create(account=alice_account, phone="+48600700800")

    page = _page(client, _merge_url(anna, kowalska, keep=anna.id))

    note = page[page.index('id="merge-blacklist-note"') :]
    note = note[: note.index("</p>")]
    assert "On the blacklist: Kowalska (+48600700800)." in note
    assert "those numbers stay on it after the merge" in note
    assert "The kept contact’s number, +48500100200, is not on it" in note
    assert f'href="/contacts/{anna.id}/blacklist/"' in note
    assert "the API cannot put" not in page
