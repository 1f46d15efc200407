"""The address of the app's own sandbox: from configuration, never from the request.

With SANDBOX on and SERWERSMS_API_URL empty the app calls its own sandbox. Were that address
built from the request's Host header, a signed-in user could send a forged Host (an allowed
name with another port, say testserver:6379) and make the server, and the job worker after it,
post API calls, with the user's secret, to whatever listens on that port.
"""

import pytest
from django.test import RequestFactory

from contacts_ui.api_access import api_base_url
from contacts_ui.jobs import runner
from contacts_ui.models import Job
from tests.helpers import settings_loaded

FORGED_HOST = "testserver:6379"  # 'testserver' is allowed; the port is not checked


@pytest.fixture
def own_sandbox(settings, api_url):
    """SERWERSMS_API_URL empty, the sandbox on: the app calls its own sandbox, which in
    tests is the live server's."""
    settings.SERWERSMS_API_URL = ""
    settings.SANDBOX = True
    settings.SANDBOX_API_URL = api_url
    return api_url


def test_a_forged_host_does_not_change_the_api_address(own_sandbox):
    forged = RequestFactory().get("/", HTTP_HOST=FORGED_HOST)

    assert api_base_url(forged) == own_sandbox


def test_a_forged_host_does_not_move_the_calls_a_page_makes(
    client, alice, alice_account, own_sandbox, wire
):
    page = client.get("/groups/", HTTP_HOST=FORGED_HOST)

    assert page.status_code == 200
    assert wire, "the page made no API call"
    assert all(call["url"].startswith(own_sandbox) for call in wire)


@pytest.mark.django_db
def test_a_forged_host_does_not_change_the_address_a_job_keeps(alice, own_sandbox):
    request = RequestFactory().post("/contacts/action/", HTTP_HOST=FORGED_HOST)
    request.user = alice

    job = runner.start(request, kind=Job.Kind.CONTACT_DELETE, title="Delete")

    assert Job.objects.get(pk=job.pk).api_url == own_sandbox


# --- The default: this server's own port ----------------------------------------------------


def _sandbox_api_url(**env: str) -> str:
    result = settings_loaded(
        {"DEBUG": "true", **env}, "s.SANDBOX_API_URL", cleared={"PORT", "DEBUG", "SANDBOX"}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_sandbox_is_called_on_the_port_this_server_listens_on():
    assert _sandbox_api_url(PORT="8123") == "http://127.0.0.1:8123/sandbox/api/"


def test_without_a_port_it_is_make_runs_8000():
    assert _sandbox_api_url() == "http://127.0.0.1:8000/sandbox/api/"
