"""Browser protections on every answer: a strict CSP, no framing, no sniffing, no referrer
leaving the site; and templates with no inline script or style for the CSP to block."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User

from contacts_ui.sandbox.models import Group
from tests.helpers import make_contact

pytestmark = pytest.mark.django_db(transaction=True)


def _policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> sources."""
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_strict_headers(response) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    # Nothing loosens the policy for scripts or styles in another directive either.
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "nonce-" not in response["Content-Security-Policy"]
    assert not [name for name in policy if name.startswith(("script-src-", "style-src-"))]
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.fixture
def data(alice_account):
    group = Group.objects.create(account=alice_account, name="Klienci")
    contact = make_contact(alice_account, first_name="Jan", last_name="Nowak", groups=[group])
    return {"group": group.id, "contact": contact.id}


@pytest.mark.parametrize(
    "url, headers, status",
    [
        ("/groups/", {}, 200),
        ("/contacts/", {"HX-Request": "true"}, 200),
        ("/settings/credentials/", {}, 200),
        ("/", {}, 302),
        ("/no-such-page/", {}, 404),
    ],
    ids=["page", "partial", "credentials", "redirect", "not-found"],
)
def test_answers_to_a_signed_in_user_carry_the_strict_headers(client, alice, url, headers, status):
    response = client.get(url, headers=headers)
    assert response.status_code == status
    assert_strict_headers(response)


def test_the_login_page_carries_the_strict_headers(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert_strict_headers(response)


def test_a_refused_post_carries_the_strict_headers(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    assert_strict_headers(response)


def test_a_static_file_is_not_sniffed(client, db, settings):
    # Served from the source folders, as collectstatic may not have run.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = client.get("/static/contacts_ui/app.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


# --- No inline script or style in any template --------------------------------------


class _InlineCodeFinder(HTMLParser):
    """What a CSP without 'unsafe-inline' or 'unsafe-eval' would block, as found in HTML."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # A JSON data block is not run, so the CSP does not apply to it.
        if tag == "script" and not attrs.get("src") and attrs.get("type") != "application/json":
            self.found.append(f"<script> without src: {attrs}")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            runs_script = name.startswith(("on", "hx-on", "data-hx-on")) or (
                name in ("href", "src", "action")
                and (value or "").lower().startswith("javascript:")
            )
            if name == "style" or runs_script:
                self.found.append(f'{name}="{value}" on <{tag}>')


def inline_code(html: str) -> list[str]:
    finder = _InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_finds_inline_script_and_style():
    html = (
        "<script>alert(1)</script><style>p{}</style><p style='color:red' onclick='x()'>"
        "<a href='javascript:x()' hx-on:click='x()'>"
    )
    assert len(inline_code(html)) == 6
    assert inline_code('<script src="/static/a.js"></script><p class="x">') == []


PAGES = [
    "/contacts/",
    "/contacts/?q=Jan&g={group}&o=-phone&n=25",
    "/contacts/?q=nobody-has-this-name",
    "/contacts/add/",
    "/contacts/{contact}/change/",
    "/contacts/{contact}/delete/",
    "/find/",
    "/find/?phone=500600700",
    "/find/?phone=not-a-phone",
    "/groups/",
    "/groups/?q=Klie&o=-name",
    "/groups/add/",
    "/groups/{group}/change/",
    "/groups/{group}/delete/",
    "/settings/credentials/",
    "/accounts/password_change/",
]
PARTIALS = [
    "/contacts/?q=Jan",
    "/groups/?q=Klie",
    "/groups/add/",
    "/groups/{group}/change/",
]


@pytest.mark.parametrize("url", PAGES)
def test_no_page_has_inline_script_or_style(client, alice, data, url):
    response = client.get(url.format(**data))
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize("url", PARTIALS)
def test_no_partial_has_inline_script_or_style(client, alice, data, url):
    response = client.get(url.format(**data), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.fixture
def no_retries(settings):
    settings.SERWERSMS_READ_RETRIES = 0


@pytest.mark.parametrize(
    "url", ["/contacts/", "/groups/", "/contacts/add/", "/find/?phone=500600700"]
)
def test_no_error_state_has_inline_script_or_style(client, alice, data, faults, no_retries, url):
    faults("http500")
    response = client.get(url)
    assert "The SerwerSMS API answered with an error" in response.content.decode()
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(
    "url, fields, headers",
    [
        ("/groups/add/", {"name": ""}, {}),
        ("/groups/add/", {"name": ""}, {"HX-Request": "true"}),
        ("/contacts/add/", {"phone": "not-a-phone"}, {}),
        ("/contacts/{contact}/delete/row/", {}, {"HX-Request": "true"}),
        ("/settings/credentials/", {"auth_style": "token", "secret": "wrong"}, {}),
    ],
    ids=["group-form", "group-form-htmx", "contact-form", "row-error", "credentials"],
)
def test_no_refused_form_has_inline_script_or_style(
    client, alice, data, faults, no_retries, url, fields, headers
):
    if "row" in url:
        faults("http500")
    response = client.post(url.format(**data), fields, headers=headers)
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/login/?next=/groups/", "/admin/login/"]
)
def test_no_login_page_has_inline_script_or_style(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/contacts_ui/apicredentials/",
        "/admin/contacts_ui/apicredentials/{credentials}/change/",
        "/admin/auth/user/{user}/change/",
    ],
)
def test_the_admin_pages_carry_the_strict_headers_and_no_inline_code(client, alice, url):
    root = User.objects.create_superuser("root", password="pass-for-tests")
    client.force_login(root)
    response = client.get(url.format(credentials=alice.api_credentials.id, user=alice.id))
    assert response.status_code == 200
    assert_strict_headers(response)
    assert inline_code(response.content.decode()) == []
