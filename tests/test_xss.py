"""Cross-site scripting: every field the API returns, in every place it appears, stays text.

Hostile text is stored straight in the sandbox's own tables, so the app reads it back over the
API as it would read a record someone else typed in the SerwerSMS panel. Each page is then read
with an HTML parser: the text must arrive whole in one text node or one attribute value (so no
markup was made of it), its raw form must be nowhere in the answer, and no element or attribute
may have come from it (no event handler, no inline script, no `javascript:` link).
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.utils.html import escape

from contacts_ui.models import ApiCredentials, ListPreferences
from contacts_ui.sandbox import api as sandbox_api
from contacts_ui.sandbox.models import Group
from tests.helpers import make_contact

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HX-Request": "true"}

# Each needs escaping (it holds one of < > " ' &), so each test can fail if escaping broke.
PAYLOADS = [
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param('"><img src=x onerror=alert(1)>', id="img-onerror"),
    pytest.param("' onmouseover='alert(1)", id="quote-onmouseover"),
    pytest.param("</textarea><script>alert(1)</script>", id="textarea-breakout"),
    pytest.param('{{ 7*7 }}{% now "Y" %}', id="template"),
    pytest.param("javascript:alert('1')", id="js-url"),
]

# Every markup character at once, for places where one payload stands for all.
HOSTILE = "\"'><script>alert(1)</script><img src=x onerror=alert(1)>"

# The contact's text fields that the API returns (phone must stay a valid number).
TEXT_FIELDS = (
    "first_name", "last_name", "email", "company", "tax_id", "address", "city", "description"
)  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "hx-get", "hx-post", "hx-push-url"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "wbr"}


# --- Reading a page -------------------------------------------------------------------


class _Page(HTMLParser):
    """Every text node (by its parent element) and attribute value of a page or fragment."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: list[tuple[str, str]] = []  # (where, text): "td", or "input[value]"
        self.attributes: list[tuple[str, str, str]] = []
        self.inputs: list[tuple[str, str, str]] = []  # (form id, name, value) of each <input>
        self._form = ""
        self.script_texts: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            self.attributes.append((tag, name, value or ""))
            self.values.append((f"{tag}[{name}]", value or ""))
        attrs = dict(attrs)
        if tag == "form":
            self._form = attrs.get("id") or ""
        if tag == "input" and attrs.get("name"):
            self.inputs.append((self._form, attrs["name"], attrs.get("value") or ""))
        if tag not in _VOID:
            self._open.append(tag)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = ""
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data):
        parent = self._open[-1] if self._open else ""
        if parent == "script":
            self.script_texts.append(data)
        self.values.append((parent, data))

    def input_values(self, name: str, form: str | None = None) -> list[str]:
        """The values of the inputs with this name (in the form with this id, if given)."""
        return [v for f, n, v in self.inputs if n == name and form in (None, f)]

    def places(self, text: str) -> set[str]:
        """Where the text sits whole: parent tags of text nodes, tag[attribute] of values."""
        return {where for where, value in self.values if text in value}

    def intruders(self) -> list:
        """Elements and attributes that can only have come from hostile text."""
        return [
            (tag, name, value)
            for tag, name, value in self.attributes
            if name.startswith("on")  # an event handler
            or (name == "src" and value == "x")  # <img src=x>
            or (name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"))
        ] + [("script", text) for text in self.script_texts if "alert" in text]


def _read(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def assert_stays_text(html: str, *texts: str) -> _Page:
    """Each text is shown, escaped, as text; nothing in the page was made from it."""
    page = _read(html)
    assert page.intruders() == []
    for text in texts:
        assert text not in html, f"{text!r} is in the page unescaped"
        assert escape(text) in html, f"{text!r} is not in the page escaped"
        assert page.places(text), f"{text!r} is not whole in any text or attribute value"
    return page


def _body(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- Hostile records in the sandbox ----------------------------------------------------


def _hostile_contact(account, payload: str):
    """A contact with the payload (and its field's name) in every text field, in a hostile
    group, beside a second hostile group it is not in. Returns (contact, group, texts)."""
    texts = {name: f"{payload}{name}" for name in TEXT_FIELDS}
    texts["group"] = f"{payload}group"
    texts["other_group"] = f"{payload}other_group"
    group = Group.objects.create(account=account, name=texts["group"])
    Group.objects.create(account=account, name=texts["other_group"])
    fields = {name: texts[name] for name in TEXT_FIELDS}
    contact = make_contact(account, "+48500600700", groups=[group], **fields)
    return contact, group, texts


@pytest.fixture
def all_columns(alice):
    prefs = ListPreferences.for_user(alice)
    prefs.extra_columns = ["tax_id", "address", "description"]
    prefs.save()


@pytest.fixture
def sandbox_refuses(monkeypatch):
    """Make one sandbox action answer with an API error whose message is hostile."""

    def refuse(resource: str, action: str, code: int = 9999):
        def fail(account, params):
            raise sandbox_api.ApiError(code, "InvalidData", HOSTILE)

        monkeypatch.setitem(sandbox_api.ACTIONS, (resource, action), fail)

    return refuse


@pytest.fixture
def polish(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "pl"


# --- The contacts list ----------------------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_shows_hostile_contact_fields_as_text_in_every_column_of_the_list(
    client, alice, alice_account, all_columns, payload, htmx
):
    _, _, texts = _hostile_contact(alice_account, payload)
    html = _body(client.get("/contacts/", headers=HTMX if htmx else {}))
    page = assert_stays_text(html, *texts.values())
    # The name is the row's link, and is named in the delete link's confirmation and label.
    assert {"a", "a[hx-confirm]", "a[aria-label]"} <= page.places(texts["first_name"])
    for name in TEXT_FIELDS[1:]:
        assert "td" in page.places(texts[name]), name
    # The group column, and the filter sidebar with each group's count.
    assert "a" in page.places(texts["group"])
    assert "a" in page.places(f"{texts['group']} (1)")
    assert "a" in page.places(f"{texts['other_group']} (0)")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_names_a_contact_by_a_hostile_last_name_as_text_when_it_has_no_first_name(
    client, alice, alice_account, payload
):
    make_contact(alice_account, last_name=payload)
    page = assert_stays_text(_body(client.get("/contacts/")), payload)
    assert {"a", "a[hx-confirm]", "a[aria-label]", "td"} <= page.places(payload)


def test_it_shows_hostile_optional_columns_as_text_once_switched_on(client, alice, alice_account):
    _, _, texts = _hostile_contact(alice_account, HOSTILE)
    response = client.post(
        "/contacts/columns/", {"columns": ["tax_id", "address", "description"]}, follow=True
    )
    page = assert_stays_text(_body(response), *texts.values())
    for name in ("tax_id", "address", "description"):
        assert "td" in page.places(texts[name]), name


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_echoes_a_hostile_search_that_matches_nothing_as_text(client, alice, payload, htmx):
    html = _body(client.get("/contacts/", {"q": payload}, headers=HTMX if htmx else {}))
    page = assert_stays_text(html, payload)
    assert "p" in page.places(f"No contact matches “{payload}”.")
    if not htmx:
        assert "input[value]" in page.places(payload)  # the search box keeps it


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_it_keeps_a_hostile_search_that_matches_as_text(client, alice, alice_account, htmx):
    make_contact(alice_account, first_name=HOSTILE)
    html = _body(client.get("/contacts/", {"q": HOSTILE}, headers=HTMX if htmx else {}))
    page = assert_stays_text(html, HOSTILE)
    assert "a" in page.places(HOSTILE)  # the row it found
    if not htmx:
        assert page.input_values("q", form="changelist-search") == [HOSTILE]


@pytest.mark.parametrize(
    "url, param",
    [
        ("/contacts/", "g"),
        ("/contacts/", "o"),
        ("/contacts/", "n"),
        ("/contacts/", "p"),
        ("/contacts/add/", "g"),
        ("/groups/", "o"),
        ("/groups/", "p"),
    ],
)
def test_it_drops_a_hostile_list_parameter_rather_than_echo_it(client, alice, url, param):
    html = _body(client.get(url, {param: HOSTILE}))
    assert HOSTILE not in html
    assert escape(HOSTILE) not in html
    assert _read(html).intruders() == []


# --- The contact's pages ---------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_fills_the_change_form_with_hostile_fields_as_text(
    client, alice, alice_account, payload
):
    contact, _, texts = _hostile_contact(alice_account, payload)
    html = _body(client.get(f"/contacts/{contact.id}/change/"))
    page = assert_stays_text(html, *texts.values())
    for name in TEXT_FIELDS:
        where = "textarea" if name == "description" else "input[value]"
        assert where in page.places(texts[name]), name
    # The group picker lists every group, the contact's own selected.
    assert "option" in page.places(texts["group"])
    assert "option" in page.places(texts["other_group"])


def test_it_refills_a_refused_change_form_with_the_hostile_input_as_text(
    client, alice, alice_account
):
    contact = make_contact(alice_account)
    typed = {name: f"{HOSTILE}{name}" for name in TEXT_FIELDS if name != "email"}
    response = client.post(
        f"/contacts/{contact.id}/change/", {**typed, "phone": HOSTILE, "email": HOSTILE}
    )
    page = assert_stays_text(_body(response), *typed.values(), HOSTILE)
    assert "textarea" in page.places(typed["description"])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_asks_to_confirm_deleting_a_hostile_contact_in_text(
    client, alice, alice_account, payload
):
    contact, _, texts = _hostile_contact(alice_account, payload)
    html = _body(client.get(f"/contacts/{contact.id}/delete/"))
    name = f"{texts['first_name']} {texts['last_name']}"
    page = assert_stays_text(html, name, texts["email"], texts["company"])
    assert {"a", "p"} <= page.places(name)  # the breadcrumb, and the question
    assert "li" in page.places(texts["email"])
    assert "li" in page.places(texts["company"])


def test_the_add_form_offers_hostile_group_names_as_text(client, alice, alice_account):
    group = Group.objects.create(account=alice_account, name=HOSTILE)
    page = assert_stays_text(_body(client.get("/contacts/add/", {"g": group.id})), HOSTILE)
    assert "option" in page.places(HOSTILE)


# Each: how to make the record, the post that saves or deletes it, and the message.
SUCCESSES = {
    "contact-added": (
        None,
        "/contacts/add/",
        {"first_name": HOSTILE, "phone": "500600700"},
        "The contact “{}” was added.",
    ),
    "contact-saved": (
        lambda account: make_contact(account, first_name="Anna").id,
        "/contacts/{}/change/",
        {"first_name": HOSTILE, "phone": "500600700"},
        "The contact “{}” was saved.",
    ),
    "contact-deleted": (
        lambda account: make_contact(account, first_name=HOSTILE).id,
        "/contacts/{}/delete/",
        {},
        "The contact “{}” was deleted.",
    ),
    "group-added": (None, "/groups/add/", {"name": HOSTILE}, "The group “{}” was added."),
    "group-saved": (
        lambda account: Group.objects.create(account=account, name="Klienci").id,
        "/groups/{}/change/",
        {"name": HOSTILE},
        "The group “{}” was saved.",
    ),
    "group-deleted": (
        lambda account: Group.objects.create(account=account, name=HOSTILE).id,
        "/groups/{}/delete/",
        {},
        "The group “{}” was deleted; its 0 contacts were kept.",
    ),
}


@pytest.mark.parametrize("case", SUCCESSES.values(), ids=SUCCESSES.keys())
def test_a_success_message_naming_a_hostile_record_stays_text(client, alice, alice_account, case):
    make, url, data, message = case
    record_id = make(alice_account) if make else None
    response = client.post(url.format(record_id), data, follow=True)
    assert response.redirect_chain
    page = assert_stays_text(_body(response), HOSTILE)
    assert "li" in page.places(message.format(HOSTILE))


# --- Find by phone -------------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_lists_hostile_group_names_as_text_when_finding_by_phone(
    client, alice, alice_account, payload
):
    _, _, texts = _hostile_contact(alice_account, payload)
    html = _body(client.get("/find/", {"phone": "500 600 700"}))
    page = assert_stays_text(html, texts["group"])
    assert "a" in page.places(texts["group"])


def test_it_echoes_a_hostile_phone_to_find_as_text(client, alice):
    page = assert_stays_text(_body(client.get("/find/", {"phone": HOSTILE})), HOSTILE)
    assert "input[value]" in page.places(HOSTILE)


# --- The groups list and a group's pages -------------------------------------------------


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_shows_hostile_group_names_as_text_in_the_groups_list(
    client, alice, alice_account, payload, htmx
):
    Group.objects.create(account=alice_account, name=payload)
    html = _body(client.get("/groups/", headers=HTMX if htmx else {}))
    page = assert_stays_text(html, payload)
    assert "a" in page.places(payload)
    assert "a[title]" in page.places(f"Contacts in {payload}")


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_echoes_a_hostile_group_search_as_text(client, alice, payload, htmx):
    html = _body(client.get("/groups/", {"q": payload}, headers=HTMX if htmx else {}))
    page = assert_stays_text(html, payload)
    assert "p" in page.places(f"No group’s name contains “{payload}”.")
    if not htmx:
        assert "input[value]" in page.places(payload)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_fills_the_group_form_with_a_hostile_name_as_text(
    client, alice, alice_account, payload, htmx
):
    group = Group.objects.create(account=alice_account, name=payload)
    html = _body(client.get(f"/groups/{group.id}/change/", headers=HTMX if htmx else {}))
    page = assert_stays_text(html, payload)
    assert "input[value]" in page.places(payload)
    if not htmx:
        assert "div" in page.places(payload)  # the breadcrumbs


@pytest.mark.parametrize("payload", PAYLOADS)
def test_it_asks_to_confirm_deleting_a_hostile_group_in_text(client, alice, alice_account, payload):
    group = Group.objects.create(account=alice_account, name=payload)
    page = assert_stays_text(_body(client.get(f"/groups/{group.id}/delete/")), payload)
    assert {"a", "p"} <= page.places(payload)  # the breadcrumb, and the question


# --- API error messages ------------------------------------------------------------------

# Code 9999 is one the app does not know, so it quotes the API's message; 1006 is
# InvalidData, whose message the forms show (the group form shows it bare).
API_ERRORS = [
    # The sandbox action that fails with its code; the request; "htmx" and/or "follow".
    pytest.param("contacts/index", 9999, "GET /contacts/", "", id="list"),
    pytest.param("contacts/index", 9999, "GET /contacts/", "htmx", id="list-htmx"),
    pytest.param("groups/index", 9999, "GET /contacts/", "", id="list-filter"),
    pytest.param("groups/index", 9999, "GET /contacts/", "htmx", id="list-filter-htmx"),
    pytest.param("contacts/view", 9999, "GET /contacts/{c}/change/", "follow", id="contact-read"),
    pytest.param("groups/index", 9999, "GET /contacts/{c}/change/", "", id="contact-form-groups"),
    pytest.param("contacts/edit", 1006, "POST /contacts/{c}/change/", "", id="contact-save"),
    pytest.param("contacts/edit", 9999, "POST /contacts/{c}/change/", "", id="contact-save-9999"),
    pytest.param("contacts/add", 1006, "POST /contacts/add/", "", id="contact-add"),
    pytest.param("contacts/view", 9999, "GET /contacts/{c}/delete/", "follow", id="delete-read"),
    pytest.param("contacts/delete", 9999, "POST /contacts/{c}/delete/", "", id="contact-delete"),
    pytest.param("contacts/delete", 9999, "POST /contacts/{c}/delete/row/", "htmx", id="row"),
    pytest.param("groups/check", 9999, "GET /find/?phone=500600700", "", id="find-by-phone"),
    pytest.param("groups/index", 9999, "GET /groups/", "", id="group-list"),
    pytest.param("groups/index", 9999, "GET /groups/", "htmx", id="group-list-htmx"),
    pytest.param("groups/view", 9999, "GET /groups/{g}/change/", "", id="group-read"),
    pytest.param("groups/edit", 1006, "POST /groups/{g}/change/", "", id="group-save"),
    pytest.param("groups/edit", 1006, "POST /groups/{g}/change/", "htmx", id="group-save-htmx"),
    pytest.param("groups/add", 1006, "POST /groups/add/", "", id="group-add"),
    pytest.param("groups/view", 9999, "GET /groups/{g}/delete/", "follow", id="group-delete-read"),
    pytest.param("groups/delete", 9999, "POST /groups/{g}/delete/", "", id="group-delete"),
    pytest.param("groups/index", 9999, "POST /settings/credentials/", "", id="credentials"),
]  # fmt: skip
# What each form posts: valid, so that the call that fails is the one asked for.
POSTED = {
    "/contacts/{c}/change/": {"phone": "500600700"},
    "/contacts/add/": {"phone": "500600700"},
    "/groups/{g}/change/": {"name": "Klienci"},
    "/groups/add/": {"name": "Klienci"},
    "/settings/credentials/": {"auth_style": "token", "secret": "alice-token"},
}


@pytest.mark.parametrize("action, code, request_line, how", API_ERRORS)
def test_an_api_error_message_is_shown_as_text(
    client, alice, alice_account, sandbox_refuses, action, code, request_line, how
):
    contact = make_contact(alice_account, first_name="Anna")
    group = Group.objects.create(account=alice_account, name="Klienci")
    sandbox_refuses(*action.split("/"), code=code)
    method, url = request_line.split()
    send = client.get if method == "GET" else client.post
    response = send(
        url.format(c=contact.id, g=group.id),
        POSTED.get(url, {}) if method == "POST" else {},
        headers=HTMX if "htmx" in how else {},
        follow="follow" in how,
    )
    if "follow" in how:
        assert response.redirect_chain  # the message is shown on the list
    assert_stays_text(_body(response), HOSTILE)


# --- Query-string echoes ----------------------------------------------------------------

FILTERS_PAGES = [
    "/contacts/add/",
    "/contacts/{c}/change/",
    "/contacts/{c}/delete/",
    "/groups/add/",
    "/groups/{g}/change/",
    "/groups/{g}/delete/",
]


@pytest.mark.parametrize("url", FILTERS_PAGES)
def test_a_hostile_way_back_to_the_list_stays_text_in_links_and_hidden_inputs(
    client, alice, alice_account, url
):
    contact = make_contact(alice_account, first_name="Anna")
    group = Group.objects.create(account=alice_account, name="Klienci")
    url = url.format(c=contact.id, g=group.id)
    html = _body(client.get(url, {"_changelist_filters": HOSTILE}))
    page = assert_stays_text(html, HOSTILE)
    assert HOSTILE in page.input_values("_changelist_filters")


@pytest.mark.parametrize(
    "url, list_url",
    [("/contacts/columns/", "/contacts/?"), ("/groups/{g}/delete/", "/groups/?")],
)
@pytest.mark.parametrize(
    "filters", ["//evil.example", "https://evil.example/", "\\evil.example", "javascript:x"]
)
def test_the_way_back_to_the_list_never_leaves_the_site(
    client, alice, alice_account, url, list_url, filters
):
    group = Group.objects.create(account=alice_account, name="Klienci")
    response = client.post(url.format(g=group.id), {"_changelist_filters": filters})
    assert response.status_code == 302
    assert response.url.startswith(list_url)
    assert urlsplit(response.url)[:2] == ("", "")


def test_a_raw_hostile_query_string_stays_text_in_the_language_switch(client, alice):
    # Sent unencoded, as a hand-made link would be; browsers leave ' alone in a query.
    html = _body(client.get("/contacts/?x='onmouseover='alert(1)'"))
    page = assert_stays_text(html, "'onmouseover='alert(1)'")
    assert "input[value]" in page.places("'onmouseover='alert(1)'")


def test_a_raw_hostile_query_string_stays_text_where_the_group_form_posts(
    client, alice, alice_account
):
    group = Group.objects.create(account=alice_account, name="Klienci")
    url = f"/groups/{group.id}/change/?_changelist_filters='onmouseover='alert(1)'"
    page = assert_stays_text(_body(client.get(url, headers=HTMX)), "'onmouseover='alert(1)'")
    assert "form[hx-post]" in page.places("'onmouseover='alert(1)'")


# --- The credentials page and the login page ----------------------------------------------


def test_it_shows_a_hostile_saved_username_as_text(client, alice):
    stored = ApiCredentials.objects.get(user=alice)
    stored.auth_style, stored.username = ApiCredentials.PASSWORD, HOSTILE
    stored.save()
    page = assert_stays_text(_body(client.get("/settings/credentials/")), HOSTILE)
    assert "input[value]" in page.places(HOSTILE)


def test_it_echoes_a_hostile_username_it_refused_as_text(client, alice, alice_account):
    response = client.post(
        "/settings/credentials/",
        {"auth_style": "password", "username": HOSTILE, "secret": "wrong-password"},
    )
    html = _body(response)
    assert "SerwerSMS rejected these credentials" in html
    page = assert_stays_text(html, HOSTILE)
    assert "input[value]" in page.places(HOSTILE)


def test_a_hostile_next_on_this_site_stays_text_in_the_hidden_input(client, alice):
    target = f"/contacts/?q={HOSTILE}"
    html = _body(client.get("/settings/credentials/", {"next": target}))
    page = assert_stays_text(html, target)
    assert page.input_values("next", form="credentials-form") == [target]


OFF_SITE = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    " //evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_next_never_leads_off_the_site(client, alice, alice_account, target):
    page = _read(_body(client.get("/settings/credentials/", {"next": target})))
    assert page.input_values("next", form="credentials-form") == [""]
    response = client.post(
        "/settings/credentials/",
        {"auth_style": "token", "secret": "alice-token", "next": target},
    )
    assert response.status_code == 302
    assert response.url == "/groups/"


@pytest.fixture
def erin(db):
    return User.objects.create_user("erin", password="erin-password-1")


def test_the_login_page_keeps_a_hostile_next_as_text(client, db):
    target = f"/contacts/?q={HOSTILE}"
    html = _body(client.get("/accounts/login/", {"next": target}))
    page = assert_stays_text(html, target)
    assert target in page.input_values("next")


def test_the_login_page_echoes_a_hostile_username_it_refused_as_text(client, erin):
    response = client.post("/accounts/login/", {"username": HOSTILE, "password": "wrong"})
    page = assert_stays_text(_body(response), HOSTILE)
    assert "input[value]" in page.places(HOSTILE)


def test_the_lockout_page_keeps_a_hostile_username_and_next_as_text(client, erin, settings):
    target = f"/contacts/?q={HOSTILE}"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(
            "/accounts/login/", {"username": HOSTILE, "password": "wrong", "next": target}
        )
    assert response.status_code == 429
    html = response.content.decode()
    page = assert_stays_text(html, HOSTILE, target)
    assert HOSTILE in page.input_values("username")
    assert target in page.input_values("next")


@pytest.mark.parametrize("target", OFF_SITE)
def test_logging_in_never_leads_off_the_site(client, erin, target):
    response = client.post(
        "/accounts/login/",
        {"username": "erin", "password": "erin-password-1", "next": target},
    )
    assert response.status_code == 302
    assert response.url == "/"


# --- In Polish --------------------------------------------------------------------------


def test_in_polish_the_list_shows_a_hostile_name_as_text(client, alice, alice_account, polish):
    make_contact(alice_account, first_name=HOSTILE)
    page = assert_stays_text(_body(client.get("/contacts/")), HOSTILE)
    assert "a[hx-confirm]" in page.places(f"Usunąć kontakt „{HOSTILE}” z SerwerSMS na zawsze?")
    assert "a[aria-label]" in page.places(f"Usuń {HOSTILE}")


def test_in_polish_the_delete_confirmation_shows_a_hostile_name_as_text(
    client, alice, alice_account, polish
):
    contact = make_contact(alice_account, first_name=HOSTILE)
    html = _body(client.get(f"/contacts/{contact.id}/delete/"))
    page = assert_stays_text(html, HOSTILE)
    assert "p" in page.places(f"Czy na pewno usunąć kontakt „{HOSTILE}”?")


def test_in_polish_the_message_after_deleting_a_hostile_contact_stays_text(
    client, alice, alice_account, polish
):
    contact = make_contact(alice_account, first_name=HOSTILE)
    response = client.post(f"/contacts/{contact.id}/delete/", follow=True)
    page = assert_stays_text(_body(response), HOSTILE)
    assert "li" in page.places(f"Usunięto kontakt „{HOSTILE}”.")
