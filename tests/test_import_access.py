"""Who may take each step of an import, and how: signed in, with credentials, their own
upload only, by POST with the CSRF token where it acts."""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from contacts_ui.models import ImportUpload, Job
from tests.helpers import make_user
from tests.import_files import HEADER, MAPPING, ROWS, _csv, _preview_url, _upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_requires_login(client, db):
    response = client.get("/import/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/import/"


def test_the_mapping_sends_a_user_without_credentials_to_enter_them(client, alice):
    upload = _upload(client)
    client.force_login(make_user("charlie"))
    response = client.get(f"/import/{upload.pk}/")
    assert response.url.startswith("/settings/credentials/?next=")


def test_other_users_get_404_for_every_step(client, alice, bob_account):
    upload = _upload(client)
    client.force_login(make_user("bob", token="bob-token"))
    assert client.get(f"/import/{upload.pk}/").status_code == 404
    assert client.get(_preview_url(upload)).status_code == 404
    assert client.get(f"/import/{upload.pk}/errors.csv?{urlencode(MAPPING)}").status_code == 404
    assert client.post(f"/import/{upload.pk}/start/", MAPPING).status_code == 404
    assert Job.objects.count() == 0


def test_posts_without_the_csrf_token_are_refused_and_change_nothing(client, alice):
    upload = _upload(client)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    content = _csv([HEADER, *ROWS]).encode()
    response = browser.post("/import/", {"file": SimpleUploadedFile("k.csv", content)})
    assert response.status_code == 403
    assert browser.post(f"/import/{upload.pk}/start/", MAPPING).status_code == 403
    assert ImportUpload.objects.count() == 1
    assert Job.objects.count() == 0


def test_start_takes_only_a_post(client, alice):
    upload = _upload(client)
    assert client.get(f"/import/{upload.pk}/start/?{urlencode(MAPPING)}").status_code == 405
