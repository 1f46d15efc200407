"""Office staff at work on the contacts: the users of the load test (`make load`).

bench/load/run.py sets up the servers and runs this file with locust. Each simulated
member of staff logs in through the real login form, then, pausing between pages
as a person reads them, opens the contacts list, searches by surname or by a piece
of a phone number, pages, filters by group, opens a contact and saves it unchanged,
and looks at the groups. Search terms, contacts and groups come from the pages the
user has seen, so they are the seed data's own.

A page fails when its status is not the expected one (200 for a page, 302 after a
login or a save) or when it shows the admin's error note: the app reports an API
failure there with status 200.

Environment (run.py sets it): LOAD_STAFF_COUNT and LOAD_STAFF_PASSWORD name the
logins load01, load02, ...; LOAD_THINK_SECONDS is the pause between pages, "1-3"
by default; LOAD_MEASURE_SECONDS is how long the measured window stays open once
every user is logged in (see Window); LOAD_SUMMARY is where to write the figures
as JSON at the end.
"""

import itertools
import json
import os
import random
import re
import time
from html import unescape
from html.parser import HTMLParser
from urllib.parse import quote

import gevent
from locust import HttpUser, between, constant, events, task
from locust.stats import StatsEntry

STAFF_COUNT = int(os.environ.get("LOAD_STAFF_COUNT", "20"))
STAFF_PASSWORD = os.environ.get("LOAD_STAFF_PASSWORD", "load-test-password")
LOGIN_NAMES = ("login form", "login")

_user_numbers = itertools.count()

# No request is sent twice: a connection reset counts as a failure. The app's gunicorn
# keeps idle connections 75 s (the Procfile's --keep-alive), longer than any pause here,
# so a kept-alive connection is never closed under a request.


def think_time():
    """The pause between pages: LOAD_THINK_SECONDS as "low-high" or as one number.

    The default, 1 to 3 seconds, is a brisk member of staff who glances at a page and
    clicks on; real people read longer, so twenty of these load the app more than
    twenty people would. run.py gives the single-user baseline no pause, so that one
    user makes enough page views in 30 s for a percentile (with no cache in the app,
    a lone user's page time does not depend on the pause).
    """
    low, _, high = os.environ.get("LOAD_THINK_SECONDS", "1-3").partition("-")
    return between(float(low), float(high)) if high else constant(float(low))


# --- Reading pages ------------------------------------------------------------------

ERROR_NOTE = re.compile(r'class="[^"]*\berrornote\b[^"]*"[^>]*>(.*?)</p>', re.S)
CHANGE_LINK = re.compile(r'href="(/contacts/\d+/change/[^"]*)"')
SURNAME_CELL = re.compile(r'<td class="field-last_name">([^<]+)</td>')
PHONE_CELL = re.compile(r'<td class="field-phone">\+48(\d{9})</td>')
GROUP_LINK = re.compile(r'href="\?(?:[^"]*?(?:&amp;|&))?g=(\d+)')
PAGE_LINK = re.compile(r'href="\?(?:[^"]*?(?:&amp;|&))?p=(\d+)')


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with the given id, in order."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self.found = False
        self._inside = False
        self._textarea: str | None = None
        self._text = ""
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._multiple = False

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._inside = attrs.get("id") == self.form_id
            self.found = self.found or self._inside
        if not self._inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
        elif tag == "select" and name:
            self._select, self._options = name, []
            self._multiple = "multiple" in attrs
        elif tag == "option" and self._select is not None:
            self._options.append((attrs.get("value", ""), "selected" in attrs))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "textarea" and self._textarea is not None:
            # A browser drops the newline that Django writes after <textarea>.
            text = self._text[1:] if self._text.startswith("\n") else self._text
            self.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not self._multiple and not chosen and self._options:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, value) for value in chosen)
            self._select = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]] | None:
    parser = FormFields(form_id)
    parser.feed(html)
    parser.close()
    return parser.fields if parser.found else None


def error_note(html: str) -> str | None:
    """The text of the page's first error note, if it shows one."""
    match = ERROR_NOTE.search(html)
    if match is None:
        return None
    text = unescape(re.sub(r"<[^>]+>", " ", match.group(1)))
    return " ".join(text.split())[:200] or "(empty error note)"


# --- The staff ----------------------------------------------------------------------


class Staff(HttpUser):
    wait_time = think_time()

    def on_start(self):
        self.username = f"load{next(_user_numbers) % STAFF_COUNT + 1:02d}"
        self.surnames: set[str] = set()
        self.phones: set[str] = set()
        self.change_links: list[str] = []
        self.group_ids: set[str] = set()
        self.pages = 1
        self.log_in()
        self.list_page("/contacts/", "/contacts/")
        window.user_ready(self.environment)

    # Requests, each checked; the failure messages carry no ids, so that locust
    # counts each kind of failure once.

    def request(self, method, url, name, expect, check=None, **kwargs):
        """Make a request; mark it failed unless its status is `expect`, it shows no
        error note, and `check` (if given) finds nothing wrong with it: a message
        if so. The response, or None when it failed."""
        with self.client.request(
            method, url, name=name, allow_redirects=False, catch_response=True, **kwargs
        ) as response:
            if response.status_code == 0:
                problem = f"no answer: {type(response.error).__name__}"
            elif response.status_code != expect:
                where = response.headers.get("Location", "").partition("?")[0]
                problem = f"status {response.status_code}, not {expect} {where}".strip()
            elif note := error_note(response.text):
                problem = f"error note: {note}"
            else:
                problem = check(response) if check else None
            if problem:
                response.failure(problem)
                return None
            return response

    def list_page(self, url, name):
        response = self.request("GET", url, name, 200)
        if response is None:
            return
        html = response.text
        # The rows of the last list that had any (a search may find nobody).
        self.change_links = [unescape(link) for link in CHANGE_LINK.findall(html)] or (
            self.change_links
        )
        self.group_ids.update(GROUP_LINK.findall(html))
        # Enough to choose from; a person remembers a few names, not the book.
        if len(self.surnames) < 200:
            self.surnames.update(unescape(name).strip() for name in SURNAME_CELL.findall(html))
        if len(self.phones) < 200:
            self.phones.update(PHONE_CELL.findall(html))
        if url == "/contacts/":
            # The unfiltered list's last page, from its paginator's links.
            self.pages = max([self.pages, *map(int, PAGE_LINK.findall(html))])

    def log_in(self):
        response = self.request("GET", "/accounts/login/", "login form", 200)
        fields = response is not None and form_fields(response.text, "login-form")
        if not fields:
            return
        data = dict(fields) | {"username": self.username, "password": STAFF_PASSWORD}
        self.request("POST", "/accounts/login/", "login", 302, self._not_to_login, data=data)

    @staticmethod
    def _not_to_login(response):
        if "/accounts/login/" in response.headers.get("Location", ""):
            return "the login was refused"
        return None

    # The office's work. Weights: mostly finding people (search, pages, groups),
    # now and then a correction, and an occasional look at the groups.

    @task(2)
    def open_contacts(self):
        self.list_page("/contacts/", "/contacts/")

    @task(3)
    def search_by_surname(self):
        if self.surnames:
            surname = random.choice(sorted(self.surnames))
            self.list_page(f"/contacts/?q={quote(surname)}", "/contacts/?q=[surname]")

    @task(1)
    def search_by_phone(self):
        if self.phones:
            # Five digits from anywhere in the number, as someone reads them off a note.
            digits = random.choice(sorted(self.phones))
            start = random.randrange(len(digits) - 4)
            self.list_page(f"/contacts/?q={digits[start : start + 5]}", "/contacts/?q=[phone]")

    @task(3)
    def turn_page(self):
        if self.pages > 1:
            page = random.randint(2, self.pages)
            self.list_page(f"/contacts/?p={page}", "/contacts/?p=[page]")

    @task(2)
    def filter_by_group(self):
        if self.group_ids:
            group_id = random.choice(sorted(self.group_ids))
            self.list_page(f"/contacts/?g={group_id}", "/contacts/?g=[group]")

    @task(2)
    def edit_contact(self):
        """Open a contact from the list just seen, look at it, save it as it is."""
        if not self.change_links:
            return
        link = random.choice(self.change_links)
        response = self.request(
            "GET",
            link,
            "/contacts/[id]/change/",
            200,
            lambda response: None if "contact-form" in response.text else "no contact form",
        )
        fields = response is not None and form_fields(response.text, "contact-form")
        if not fields:
            return
        self.wait()
        # The form posts back to its own address, with the list's filters in it.
        saved = self.request(
            "POST", link, "/contacts/[id]/change/ (save)", 302, data=[*fields, ("_save", "Save")]
        )
        if saved is not None:
            self.list_page(saved.headers["Location"], "/contacts/ (after save)")

    @task(1)
    def open_groups(self):
        self.request("GET", "/groups/", "/groups/", 200)


# --- The figures --------------------------------------------------------------------


def figures(stats, keep) -> dict:
    """Requests, failures and times (ms) of the stats entries whose names `keep` takes."""
    merged = StatsEntry(stats, "merged", "")
    for entry in stats.entries.values():
        if keep(entry.name):
            merged.extend(entry)
    return {
        "requests": merged.num_requests,
        "failures": merged.num_failures,
        "median": merged.median_response_time,
        "p95": merged.get_response_time_percentile(0.95),
        "p99": merged.get_response_time_percentile(0.99),
        "max": merged.max_response_time,
        "rps": merged.total_rps,
    }


def errors(stats) -> list[dict]:
    return [
        {"request": f"{e.method} {e.name}", "error": str(e.error), "count": e.occurrences}
        for e in stats.errors.values()
    ]


class Window:
    """The measured window: it opens when every user has logged in and seen the list,
    and closes LOAD_MEASURE_SECONDS later, when locust quits.

    Staff at work are logged in already; twenty logins in the same second (a slow
    password hash each, on purpose) are a start-up burst, not the work. So the login
    phase is kept and reported apart: its failures count, its times do not.
    """

    def __init__(self):
        self.ready = 0
        self.login_phase: dict | None = None
        self.opened = 0.0

    def user_ready(self, environment) -> None:
        self.ready += 1
        if self.ready != environment.runner.target_user_count:
            return
        stats = environment.stats
        self.login_phase = {
            "logins": figures(stats, lambda name: name in LOGIN_NAMES),
            "all": figures(stats, lambda name: True),
            "errors": errors(stats),
        }
        stats.reset_all()
        self.opened = time.monotonic()
        seconds = float(os.environ.get("LOAD_MEASURE_SECONDS") or 0)
        if seconds:
            gevent.spawn_later(seconds, environment.runner.quit)


window = Window()


@events.quitting.add_listener
def write_summary(environment, **kwargs):
    """Write the figures for run.py (to LOAD_SUMMARY): the login phase and the window."""
    path = os.environ.get("LOAD_SUMMARY")
    if not path:
        return
    stats = environment.stats
    summary = {
        "login_phase": window.login_phase,
        "window_seconds": time.monotonic() - window.opened if window.opened else 0,
        "pages": figures(stats, lambda name: name not in LOGIN_NAMES),
        "all": figures(stats, lambda name: True),
        "errors": errors(stats),
    }
    with open(path, "w") as file:
        json.dump(summary, file, indent=2)
