"""Accessibility, as axe-core (tests/a11y, injected into each page) judges it against WCAG 2.1
A and AA: every page a signed-in superuser can reach, and the states a list or a form can be
in (empty, no match, invalid input, the API failing, a colleague's change, a job running), in
English and Polish, light and dark. No violation may be serious or critical.

One browser context per language and scheme, each page visited once in it: a failure names
the page, the language and the scheme, with each violation's rule, impact, help and elements.
"""

import os
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page

from contacts_ui import roles
from contacts_ui.sandbox.models import Contact, Group
from contacts_ui.serwersms import ContactData
from tests.cleanup_findings import _findings_of, _scanned
from tests.helpers import make_contact, make_user
from tests.history_entries import contact_delete, jobs_and_uploads

pytestmark = [pytest.mark.browser, pytest.mark.screens, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
MISSING_AXE = "axe-core is not installed: `npm ci` in tests/a11y (make test does it)"

RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    // Only the violations are read: working out what passed takes as long again.
    resultTypes: ["violations"],
  });
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      targets: v.nodes.map((node) => `${node.target.join(" ")}: ${node.failureSummary}`),
    }));
}"""


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE.exists():
        # CI must run the audit; a skip there would hide that it never ran.
        (pytest.fail if _on_ci() else pytest.skip)(MISSING_AXE)
    return AXE


# --- What there is to see -------------------------------------------------------------


@pytest.fixture
def data(alice_account) -> dict:
    """Alice, a superuser with the Manager role and a working token, and one of everything
    her pages show: groups (one empty), contacts, a deletion in her history, a running job,
    an upload, a finished scan with findings, a colleague whose credentials she may set."""
    alice = make_user("alice", token="alice-token")
    alice.is_superuser = alice.is_staff = True
    alice.save()
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    Group.objects.create(account=alice_account, name="klienci ")
    empty = Group.objects.create(account=alice_account, name="Pusta")
    vip = Group.objects.create(account=alice_account, name="VIP")
    anna = make_contact(alice_account, "+48500100200", groups=[klienci], first_name="Anna")
    make_contact(alice_account, "+48500100200", groups=[klienci], last_name="Kowalska")
    make_contact(alice_account, "+48600700800", groups=[vip], email="Jan@Example.pl")
    make_contact(alice_account, "+48700800900", first_name="Jan", email="jan@example.pl")
    alice_account.blacklist.create(phone="+48700800900")
    deleted = make_contact(alice_account, "+48500600799", first_name="Ewa")
    entry = contact_delete(
        alice,
        ContactData(phone=deleted.phone, first_name="Ewa"),
        contact_id=deleted.id,
        batch=uuid.uuid4(),
    )
    deleted.delete()
    scan = _scanned(alice, _findings_of(alice_account))
    return {
        "alice": alice,
        "group": klienci.id,
        "empty": empty.id,
        "contact": anna.id,
        "entry": entry.id,
        "batch": entry.batch,
        "scan": scan.pk,
        "person": make_user("ewa", role=None).id,
        **jobs_and_uploads(alice),
    }


# --- Pages and states ----------------------------------------------------------------
# (name, URL) to open; the states that take more than a URL are steps below. A state that
# only repeats the markup of another (a second list failing, a second search with no match)
# is left out: each page costs about a second of axe in each of the four contexts.

PAGES = [
    ("contacts list", "/contacts/"),
    ("contacts list, empty group", "/contacts/?g={empty}"),
    ("contacts search, no match", "/contacts/?q=nobody-by-this-name"),
    ("contact change form", "/contacts/{contact}/change/"),
    ("contact add form", "/contacts/add/"),
    ("contact delete confirmation", "/contacts/{contact}/delete/"),
    ("groups list", "/groups/"),
    ("group add form", "/groups/add/"),
    ("group change form", "/groups/{group}/change/"),
    ("group delete confirmation", "/groups/{group}/delete/"),
    ("find by phone, found", "/find/?phone=500100200"),
    ("blacklist", "/blacklist/"),
    ("import upload", "/import/"),
    ("import map", "/import/{upload}/"),
    ("import preview", "/import/{upload}/preview/?c1=phone&c2=first_name&header=on"),
    ("cleanup, before a scan", "/cleanup/"),
    ("history list", "/history/"),
    ("history detail", "/history/{entry}/"),
    ("history undo confirmation", "/history/{entry}/undo/"),
    ("batch undo confirmation", "/history/batch/{batch}/undo/?entry={entry}"),
    ("trash", "/trash/"),
    ("jobs list", "/jobs/"),
    ("job detail, in progress", "/jobs/{job}/"),
    ("API credentials", "/settings/credentials/"),
    ("diagnostics", "/settings/diagnostics/"),
    ("two-factor settings", "/settings/two-factor/"),
    ("two-factor setup", "/settings/two-factor/setup/"),
    ("invite a person", "/people/invite/"),
    ("a person's API credentials", "/people/{person}/credentials/"),
    ("password change", "/accounts/password_change/"),
]


def _finished_scan(page: Page, data: dict) -> None:
    # The scan stored by the fixture is the latest: the cleanup page shows its findings.
    page.goto("/cleanup/")


def _scan_job(page: Page, data: dict) -> None:
    page.goto(f"/jobs/{data['scan']}/")


def _invalid_contact(page: Page, data: dict) -> None:
    page.goto("/contacts/add/")
    page.locator("#id_phone").fill("not a phone")
    page.locator("#id_email").fill("not an address")
    with page.expect_navigation():
        page.locator("#contact-form [name=_save]").click()


def _invalid_group(page: Page, data: dict) -> None:
    page.goto("/groups/add/")
    page.locator("#group-form [type=submit]").first.click()
    page.locator("#group-form .errorlist").first.wait_for()


def _conflict(page: Page, data: dict) -> None:
    """The change form sent after a colleague changed the same field: the conflict page."""
    page.goto(f"/contacts/{data['contact']}/change/")
    Contact.objects.filter(id=data["contact"]).update(city="Gdańsk")
    page.locator("#id_city").fill("Kraków")
    with page.expect_navigation():
        page.locator("#contact-form [name=_save]").click()
    page.locator("#conflict").wait_for()


def _api_failing(url: str):
    def step(page: Page, data: dict, settings=None) -> None:
        settings.SANDBOX_FAILURE_RATE = 1.0
        settings.SANDBOX_FAILURE_MODES = ["http500"]
        try:
            page.goto(url.format(**data))
        finally:
            settings.SANDBOX_FAILURE_RATE = 0.0

    step.needs_settings = True
    return step


def _forbidden(page: Page, data: dict) -> None:
    """The 403 page: Alice, for a moment only a Viewer, asks for the add form."""
    alice: User = data["alice"]
    User.objects.filter(pk=alice.pk).update(is_superuser=False)
    roles.set_role(alice, roles.VIEWER)
    try:
        page.goto("/contacts/add/")
    finally:
        User.objects.filter(pk=alice.pk).update(is_superuser=True)
        roles.set_role(alice, roles.MANAGER)


STEPS = [
    ("cleanup, after a scan", _finished_scan),
    ("scan job, finished", _scan_job),
    ("contact add form, invalid", _invalid_contact),
    ("group add form, invalid", _invalid_group),
    ("contact change conflict", _conflict),
    ("contacts list, API failing", _api_failing("/contacts/")),
    ("contact change form, API failing", _api_failing("/contacts/{contact}/change/")),
    ("find by phone, API failing", _api_failing("/find/?phone=500100200")),
    ("403 page", _forbidden),
]


# --- The audit -------------------------------------------------------------------------


def _audit(page: Page, axe: Path) -> list[dict]:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(axe))
    return page.evaluate(RUN_AXE)


def _described(name: str, violations: list[dict]) -> str:
    lines = [f"{name}:"]
    for v in violations:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
        lines += ["    " + target.replace("\n", "\n      ") for target in v["targets"][:8]]
    return "\n".join(lines)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("locale", ["en-US", "pl-PL"], ids=["English", "Polish"])
def test_no_page_has_a_serious_accessibility_violation(
    browser, live_server, api_url, settings, axe_script, data, locale, scheme
):
    context = browser.new_context(
        base_url=live_server.url,
        locale=locale,
        color_scheme=scheme,
        viewport={"width": 1280, "height": 800},
        # axe is put into the page as an inline script, which the app's policy refuses.
        bypass_csp=True,
    )
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    found: dict[str, list[dict]] = {}
    try:
        page.goto("/accounts/login/")
        found["login page"] = _audit(page, axe_script)
        page.locator("#id_username").fill("alice")
        page.locator("#id_password").fill("pass-for-tests")
        with page.expect_navigation():
            page.locator("#login-form [type=submit]").click()
        assert "/accounts/login/" not in page.url, "alice could not sign in"

        for name, url in PAGES:
            response = page.goto(url.format(**data))
            assert response.status == 200, f"{name}: {url} answered {response.status}"
            found[name] = _audit(page, axe_script)
        for name, step in STEPS:
            if getattr(step, "needs_settings", False):
                step(page, data, settings=settings)
            else:
                step(page, data)
            found[name] = _audit(page, axe_script)
    finally:
        context.close()

    failures = [_described(name, v) for name, v in found.items() if v]
    language = "English" if locale == "en-US" else "Polish"
    assert not failures, (
        f"Serious or critical accessibility violations ({language}, {scheme}):\n"
        + "\n".join(failures)
    )
    assert not errors, "The browser reported errors:\n" + "\n".join(errors)
