"""Checking an upload again against the target groups (the preview's "Check again against
the groups", a form posted to import/<id>/preview/): their members are read afresh, in
place of those kept from the first check."""

import pytest
from django.test import Client

from contacts_ui.models import Job
from contacts_ui.sandbox.models import Membership
from tests import import_files
from tests.helpers import form_values, make_contact, make_user, table_rows
from tests.import_files import MAPPING, _preview_url, _previewed, _upload, membership_reads

pytestmark = pytest.mark.django_db(transaction=True)

# A fixture shared by the import modules (tests/import_files.py).
klienci = import_files.klienci


def _status_of_line(page: str, line: str) -> str:
    return next(row[1] for row in table_rows(page) if row[0] == line)


def test_check_again_reads_the_groups_members_afresh(client, alice, klienci, wire):
    upload = _upload(client)
    _previewed(client, upload, g=klienci.id)
    # Jan joins Klienci elsewhere after the first check: the check kept does not know.
    make_contact(klienci.account, "+48501600700", groups=[klienci], first_name="Jan")
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    assert _status_of_line(page, "3") == "Ready"
    # A plain form, posted to the preview: it works without JavaScript.
    assert f'method="post" action="/import/{upload.pk}/preview/" id="import-recheck-form"' in page
    wire.clear()

    response = client.post(
        f"/import/{upload.pk}/preview/", form_values(page, "import-recheck-form")
    )

    assert len(membership_reads(wire)) == 1
    # Back to the preview, with the columns and groups as they were chosen.
    assert response.status_code == 302
    assert response.url == _preview_url(upload, g=klienci.id)
    page = client.get(response.url).content.decode()
    assert _status_of_line(page, "3") == "Already in the target group “Klienci”."
    assert "Checked against the members of the groups on " in page


def test_a_contact_that_left_the_group_is_ready_after_checking_again(client, alice, klienci):
    upload = _upload(client)
    page = _previewed(client, upload, g=klienci.id)
    assert _status_of_line(page, "2") == "Already in the target group “Klienci”."
    Membership.objects.filter(group=klienci).delete()
    client.post(f"/import/{upload.pk}/preview/", form_values(page, "import-recheck-form"))
    page = client.get(_preview_url(upload, g=klienci.id)).content.decode()
    assert _status_of_line(page, "2") == "Ready"


def test_when_the_groups_cannot_be_read_again_the_earlier_check_stands_and_it_says_why(
    client, alice, klienci, faults
):
    upload = _upload(client)
    page = _previewed(client, upload, g=klienci.id)
    faults("http500")
    response = client.post(
        f"/import/{upload.pk}/preview/", form_values(page, "import-recheck-form"), follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == _preview_url(upload, g=klienci.id)
    page = response.content.decode()
    assert "The SerwerSMS API answered with an error (HTTP 500)." in page
    assert "So the groups were not checked again." in page
    # The rows are still checked against the members read before.
    assert _status_of_line(page, "2") == "Already in the target group “Klienci”."


def test_checking_again_with_a_bad_mapping_shows_the_mapping_again(client, alice, klienci):
    upload = _upload(client)
    response = client.post(f"/import/{upload.pk}/preview/", {**MAPPING, "c3": "", "g": klienci.id})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose the column that holds the phone numbers." in page
    assert form_values(page, "import-map-form")["g"] == [str(klienci.id)]


def test_checking_again_with_no_group_chosen_goes_back_to_the_preview(client, alice, wire):
    upload = _upload(client)
    response = client.post(f"/import/{upload.pk}/preview/", MAPPING)
    assert response.url == _preview_url(upload)
    assert membership_reads(wire) == []


def test_check_again_without_the_csrf_token_is_refused_and_reads_nothing(
    client, alice, klienci, wire
):
    upload = _upload(client)
    page = _previewed(client, upload, g=klienci.id)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    wire.clear()
    values = form_values(page, "import-recheck-form")
    del values["csrfmiddlewaretoken"]
    assert browser.post(f"/import/{upload.pk}/preview/", values).status_code == 403
    assert membership_reads(wire) == []


def test_another_users_upload_is_404(client, alice, bob_account, klienci):
    upload = _upload(client)
    client.force_login(make_user("bob", token="bob-token"))
    response = client.post(f"/import/{upload.pk}/preview/", {**MAPPING, "g": klienci.id})
    assert response.status_code == 404
    assert Job.objects.count() == 0
