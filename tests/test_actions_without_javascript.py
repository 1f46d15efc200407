"""Every action htmx makes on a page also works as plain HTML: an element that sends a
request with htmx (hx-get, hx-post, ...) is a link to a page that answers, or a form (or is
in one) that a submit button sends; a select that sends its form when changed has a submit
button beside it for a browser without JavaScript; and a page that htmx refreshes reloads
itself without it. The browser tests (tests/browser/test_without_javascript.py) then do
each kind of action with JavaScript off."""

from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

HX_REQUESTS = ("hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete")

PAGES = [
    "/contacts/",
    "/contacts/?q=Jan",
    "/contacts/{contact}/change/",
    "/contacts/{contact}/delete/",
    "/groups/",
    "/groups/add/",
    "/groups/{group}/change/",
    "/groups/{group}/delete/",
    "/blacklist/",
    "/find/?phone=500600700",
    "/history/",
    "/history/?batch={batch}",
    "/history/{entry}/",
    "/history/{entry}/undo/",
    "/history/batch/{batch}/undo/",
    "/trash/",
    "/jobs/",
    "/jobs/{job}/",
    "/cleanup/",
    "/import/",
    "/import/{upload}/",
]


class _Element:
    def __init__(self, tag: str, attrs: dict, parent: "_Element | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[_Element] = []

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def descendants(self):
        for child in self.children:
            yield child
            yield from child.descendants()

    def describe(self) -> str:
        shown = " ".join(f'{key}="{value}"' for key, value in self.attrs.items())
        return f"<{self.tag} {shown}>"


VOID = {"input", "img", "br", "hr", "meta", "link", "source", "area", "col", "wbr", "base"}


class _Tree(HTMLParser):
    """The page as a tree of elements (text left out). Inside <noscript> the markup is read
    as markup, as a browser without JavaScript reads it."""

    def __init__(self):
        super().__init__()
        self.root = _Element("document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        element = _Element(tag, {key: value or "" for key, value in attrs}, self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        element = _Element(tag, {key: value or "" for key, value in attrs}, self.current)
        self.current.children.append(element)

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent


def elements(html: str) -> list[_Element]:
    tree = _Tree()
    tree.feed(html)
    return list(tree.root.descendants())


def _is_submit(element: _Element) -> bool:
    kind = element.attrs.get("type", "submit" if element.tag == "button" else "")
    return element.tag in ("button", "input") and kind in ("submit", "image")


def _plain_form(form: _Element) -> bool:
    """A form a browser without JavaScript sends: a method it knows, and a submit button
    (a form of one text field is sent by Enter, but ours always have the button)."""
    method = form.attrs.get("method", "get").lower()
    return method in ("get", "post") and any(_is_submit(e) for e in form.descendants())


def _form_of(element: _Element) -> _Element | None:
    if element.tag == "form":
        return element
    return next((node for node in element.ancestors() if node.tag == "form"), None)


def missing_fallbacks(html: str) -> list[str]:
    """What on the page works only with JavaScript, described."""
    found = elements(html)
    reloads = any(
        element.tag == "meta"
        and element.attrs.get("http-equiv", "").lower() == "refresh"
        and any(node.tag == "noscript" for node in element.ancestors())
        for element in found
    )
    missing = []
    for element in found:
        sends = any(name in element.attrs for name in HX_REQUESTS)
        autosubmits = "data-autosubmit" in element.attrs
        if not (sends or autosubmits):
            continue
        trigger = element.attrs.get("hx-trigger", "")
        if element.tag == "a" and element.attrs.get("href", "#") not in ("", "#"):
            continue
        form = _form_of(element)
        if form is not None and _plain_form(form):
            continue
        if "every" in trigger and reloads:
            continue  # polled with htmx; reloaded by the page itself without it
        missing.append(element.describe())
    return missing


def links_sent_by_htmx(html: str) -> list[str]:
    return [
        element.attrs["href"]
        for element in elements(html)
        if element.tag == "a" and any(name in element.attrs for name in HX_REQUESTS)
    ]


def test_the_check_finds_an_action_that_needs_javascript():
    # The check itself: each kind of htmx-only action is caught, each fallback accepted.
    assert missing_fallbacks('<button hx-post="/x/">Go</button>') == ['<button hx-post="/x/">']
    assert missing_fallbacks('<a href="#" hx-post="/x/">Go</a>')
    assert missing_fallbacks('<form hx-post="/x/"><input name="a"></form>')
    assert missing_fallbacks('<div hx-get="/x/" hx-trigger="every 1s"></div>')
    assert missing_fallbacks(
        '<form method="post"><select name="n" hx-post="/x/" hx-trigger="change"></select></form>'
    )
    assert not missing_fallbacks(
        '<form method="post"><select name="n" hx-post="/x/" hx-trigger="change"></select>'
        '<noscript><input type="submit" value="Show"></noscript></form>'
    )
    assert not missing_fallbacks('<a href="/x/delete/" hx-post="/x/delete/row/">Delete</a>')
    assert not missing_fallbacks(
        '<noscript><meta http-equiv="refresh" content="2"></noscript>'
        '<div hx-get="/x/" hx-trigger="every 1s"></div>'
    )


@pytest.mark.parametrize("path", PAGES)
def test_every_action_on_the_page_works_without_javascript(client, alice, url_data, path):
    response = client.get(path.format(**url_data))
    assert response.status_code == 200
    html = response.content.decode()

    assert missing_fallbacks(html) == []
    for href in links_sent_by_htmx(html):
        # The link itself leads to a page (or on, to one), as a browser without script follows it.
        if href.startswith("?"):
            href = path.format(**url_data).split("?")[0] + href
        assert client.get(href.replace("&amp;", "&")).status_code in (200, 302), href


def test_a_running_jobs_page_reloads_itself_without_javascript(client, alice, url_data):
    html = client.get(f"/jobs/{url_data['job']}/").content.decode()
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html


def test_a_finished_jobs_page_stays_still(client, alice, url_data):
    from contacts_ui.models import Job

    Job.objects.filter(pk=url_data["job"]).update(state=Job.State.DONE)
    html = client.get(f"/jobs/{url_data['job']}/").content.decode()
    assert 'http-equiv="refresh"' not in html
