"""The contacts list: search, group filter, sorting, paging, htmx partials, failures."""

import re
from html.parser import HTMLParser

import pytest

from contacts_ui import conflicts
from contacts_ui.models import ListPreferences
from contacts_ui.sandbox.models import Group
from contacts_ui.serwersms import ContactData
from tests.helpers import form_values, make_contact, make_user, table_rows

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/contacts/"


def _headings(page: str) -> list[str]:
    """The keys of the table's columns, in order."""
    return re.findall(r'<th scope="col" class="column-([a-z_]+)', page)


def _first_names(page: str) -> list[str]:
    return [row[0] for row in table_rows(page)]


def _filter_choices(page: str) -> list[tuple[str, str, bool]]:
    """The group filter's entries: (label, link, selected)."""
    nav = page[page.index('<details data-filter-title="group"') :]
    nav = nav[: nav.index("</details>")]
    assert '<ul hx-boost="true">' in nav  # the links go through htmx
    found = re.findall(r'<li( class="selected")?><a href="([^"]*)"[^>]*>([^<]*)</a>', nav)
    return [(label, link.replace("&amp;", "&"), bool(selected)) for selected, link, label in found]


_VOID = {"input", "img", "br", "hr", "meta", "link", "source", "wbr", "col", "area", "embed"}


class _RootReader(HTMLParser):
    """The top-level elements of a fragment: (tag, id, hx-swap-oob)."""

    def __init__(self):
        super().__init__()
        self.roots: list[tuple[str, str | None, str | None]] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._depth == 0:
            self.roots.append((tag, attrs.get("id"), attrs.get("hx-swap-oob")))
        if tag not in _VOID:
            self._depth += 1

    def handle_startendtag(self, tag, attrs):
        if self._depth == 0:
            self.roots.append((tag, dict(attrs).get("id"), None))

    def handle_endtag(self, tag):
        if tag not in _VOID:
            self._depth -= 1


def _roots(fragment: str):
    reader = _RootReader()
    reader.feed(fragment)
    return reader.roots


# --- Access ---------------------------------------------------------------------


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/contacts/"


def test_a_user_without_credentials_is_sent_to_enter_them(client, db):
    client.force_login(make_user("charlie"))
    response = client.get("/contacts/?q=Anna")
    assert response.url == "/settings/credentials/?next=%2Fcontacts%2F%3Fq%3DAnna"


def test_the_home_page_is_the_contacts_list(client, alice):
    response = client.get("/")
    assert response.url == "/contacts/"


# --- Columns and rows -------------------------------------------------------------


def test_it_lists_contacts_in_columns(client, alice, alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(
        alice_account,
        "+48500600700",
        groups=[klienci],
        first_name="Anna",
        last_name="Kowalska",
        email="anna@example.pl",
        company="Kowalscy sp. z o.o.",
        city="Łódź",
        tax_id="5260250274",
    )
    make_contact(alice_account, "+48600700800", last_name="Nowak", blacklist=True)
    page = client.get(URL).content.decode()
    assert _headings(page) == [
        "first_name",
        "last_name",
        "phone",
        "email",
        "company",
        "city",
        "group",
        "actions",
    ]
    # A blacklisted number says so beside it; the others carry no mark.
    assert table_rows(page) == [
        ["Anna", "Kowalska", "+48500600700", "anna@example.pl", "Kowalscy sp. z o.o.", "Łódź",
         "Klienci", "Delete"],
        ["Nowak", "Nowak", "+48600700800 Blacklisted", "", "", "", "", "Delete"],
    ]  # fmt: skip
    assert page.count('<span class="blacklisted-tag">Blacklisted</span>') == 1
    assert f'<a href="?g={klienci.id}" hx-get="?g={klienci.id}">Klienci</a>' in page


def test_a_contact_links_to_its_form_keeping_the_list_state(client, alice, alice_account):
    anna = make_contact(alice_account, first_name="Anna")
    page = client.get(URL, {"q": "Anna", "o": "-city"}).content.decode()
    assert f'<a href="/contacts/{anna.id}/change/?_changelist_filters=q%3DAnna%26o%3D-city"' in page
    assert '<a href="/contacts/add/?_changelist_filters=q%3DAnna%26o%3D-city" class="addlink"' in (
        page
    )


def test_a_rows_tick_box_and_delete_name_the_contact_as_everywhere_else(
    client, alice, alice_account
):
    make_contact(alice_account, "+48500600701", first_name="Beata", last_name="Nowak")
    make_contact(alice_account, "+48500600702", last_name="Zając")
    make_contact(alice_account, "+48500600703")
    page = client.get(URL).content.decode()
    for name, link in [
        ("Beata Nowak", "Beata"),
        ("Zając", "Zając"),
        ("+48500600703", "+48500600703"),
    ]:
        assert f'aria-label="Select {name}"' in page
        assert f'hx-confirm="Delete the contact “{name}” at SerwerSMS for good?"' in page
        assert f'aria-label="Delete {name}"' in page
        # The first column's link shows the first name, or the contact's name without one.
        assert f" data-row-link>{link}</a></th>" in page


def test_a_row_is_its_cells_and_links_without_whitespace(client, alice, alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    anna = make_contact(
        alice_account, "+48500600700", groups=[klienci], first_name="Anna", city="Łódź"
    )
    page = client.get(URL, {"q": "Anna"}).content.decode()
    back = "?_changelist_filters=q%3DAnna"
    as_listed = ContactData(phone="+48500600700", first_name="Anna", city="Łódź")
    fingerprint = conflicts.fields_fingerprint(as_listed)
    assert re.findall(r"<tr data-row.*?</tr>", page, re.DOTALL) == [
        f'<tr data-row id="contact-{anna.id}">'
        '<td class="action-checkbox"><input type="checkbox" name="_selected_action"'
        f' value="{anna.id}" class="action-select" aria-label="Select Anna"></td>'
        # A page of its own: not boosted, unlike the links that show the list another way.
        f'<th scope="row" class="field-first_name"><a href="/contacts/{anna.id}/change/{back}"'
        " data-row-link>Anna</a></th>"
        '<td class="field-last_name"></td><td class="field-phone">+48500600700</td>'
        '<td class="field-email"></td><td class="field-company"></td>'
        '<td class="field-city">Łódź</td>'
        f'<td class="field-group"><a href="?g={klienci.id}" hx-get="?g={klienci.id}">'
        "Klienci</a></td>"
        # Without JavaScript, the confirmation page; with it, asked in place and the row swapped
        # (outerHTML, from the list).
        f'<td class="field-actions"><a href="/contacts/{anna.id}/delete/{back}" class="deletelink"'
        # With the fields as listed, for the deletion to check that no one changed them since.
        f' hx-post="/contacts/{anna.id}/delete/row/?s={fingerprint}" hx-target="closest tr"'
        ' hx-push-url="false"'
        ' hx-confirm="Delete the contact “Anna” at SerwerSMS for good?"'
        ' aria-label="Delete Anna">Delete</a></td>'
        "</tr>"
    ]
    assert '<div id="contact-results" hx-target="this" hx-swap="outerHTML show:none"' in page


def test_an_empty_account_says_so(client, alice):
    page = client.get(URL).content.decode()
    assert "No contacts here yet." in page
    assert table_rows(page) == []


def test_company_names_are_escaped(client, alice, alice_account):
    make_contact(alice_account, company="<script>alert(1)</script>")
    page = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert '<td class="field-company">&lt;script&gt;alert(1)&lt;/script&gt;</td>' in page


# --- Search and filter ------------------------------------------------------------


def test_it_searches_with_polish_letters(client, alice, alice_account):
    make_contact(alice_account, "+48500600701", first_name="Zofia", city="Łódź")
    make_contact(alice_account, "+48500600702", first_name="Jan", city="Lodz")
    make_contact(alice_account, "+48500600703", first_name="Żaneta", last_name="Źrebięcka")
    assert _first_names(client.get(URL, {"q": "ŁÓDŹ"}).content.decode()) == ["Zofia"]
    assert _first_names(client.get(URL, {"q": "żaneta źreb"}).content.decode()) == ["Żaneta"]
    # Shorter than the search index's trigrams: matched another way, just as well.
    assert _first_names(client.get(URL, {"q": "łó"}).content.decode()) == ["Zofia"]


def test_a_search_that_finds_nothing_says_so(client, alice, alice_account):
    make_contact(alice_account, first_name="Anna")
    page = client.get(URL, {"q": "Ksawery"}).content.decode()
    assert "No contact matches “Ksawery”." in page
    assert 'value="Ksawery" id="searchbar"' in page


def test_it_filters_by_group(client, alice, alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    make_contact(alice_account, "+48500600701", groups=[klienci], first_name="Anna")
    make_contact(alice_account, "+48500600702", groups=[dostawcy], first_name="Bogdan")
    make_contact(alice_account, "+48500600703", groups=[klienci, dostawcy], first_name="Celina")
    make_contact(alice_account, "+48500600704", first_name="Dariusz")
    assert _first_names(client.get(URL, {"g": klienci.id, "o": "first_name"}).content.decode()) == [
        "Anna",
        "Celina",
    ]
    assert _first_names(client.get(URL, {"g": "none"}).content.decode()) == ["Dariusz"]


def test_the_filter_lists_each_group_with_its_count(client, alice, alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    dostawcy = Group.objects.create(account=alice_account, name="Dostawcy")
    make_contact(alice_account, "+48500600701", groups=[klienci])
    make_contact(alice_account, "+48500600702", groups=[klienci])
    assert _filter_choices(client.get(URL).content.decode()) == [
        ("All", "?", True),
        ("In no group", "?g=none", False),
        ("Dostawcy (0)", f"?g={dostawcy.id}", False),
        ("Klienci (2)", f"?g={klienci.id}", False),
    ]


def test_the_filter_marks_the_selected_group_and_keeps_the_search(client, alice, alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    page = client.get(URL, {"g": klienci.id, "q": "Anna", "p": "3"}).content.decode()
    assert _filter_choices(page) == [
        ("All", "?q=Anna", False),
        ("In no group", "?q=Anna&g=none", False),
        ("Klienci (0)", f"?q=Anna&g={klienci.id}", True),
    ]
    assert f'<a href="?q=Anna&amp;g={klienci.id}" aria-current="true">' in page
    assert 'aria-current="true">Klienci (0)</a>' in page

    page = client.get(URL, {"g": "none"}).content.decode()
    assert [selected for _, _, selected in _filter_choices(page)] == [False, True, False]


def test_group_names_in_the_filter_are_escaped(client, alice, alice_account):
    Group.objects.create(account=alice_account, name="<script>alert(1)</script>")
    page = client.get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (0)</a>" in page


# --- Sorting ----------------------------------------------------------------------


@pytest.fixture
def abc(alice_account):
    """Three contacts, Adam, Bartek and Cezary, who sort differently by every field."""
    make_contact(
        alice_account,
        "+48500000003",
        first_name="Adam",
        last_name="Lis",
        email="c@example.pl",
        company="Beta",
        city="Gdańsk",
        tax_id="2",
        address="ul. Zielona 1",
        description="bez uwag",
    )
    make_contact(
        alice_account,
        "+48500000001",
        first_name="Bartek",
        last_name="Nowak",
        email="b@example.pl",
        company="Alfa",
        city="Wrocław",
        tax_id="3",
        address="ul. Akacjowa 2",
        description="dzwonić rano",
    )
    make_contact(
        alice_account,
        "+48500000002",
        first_name="Cezary",
        last_name="Kowal",
        email="a@example.pl",
        company="Gamma",
        city="Kraków",
        tax_id="1",
        address="ul. Miodowa 3",
        description="after hours",
    )


@pytest.mark.parametrize(
    "field, ascending",
    [
        ("first_name", ["Adam", "Bartek", "Cezary"]),
        ("last_name", ["Cezary", "Adam", "Bartek"]),
        ("phone", ["Bartek", "Cezary", "Adam"]),
        ("email", ["Cezary", "Bartek", "Adam"]),
        ("company", ["Bartek", "Adam", "Cezary"]),
        ("city", ["Adam", "Cezary", "Bartek"]),
        ("tax_id", ["Cezary", "Adam", "Bartek"]),
        ("address", ["Bartek", "Cezary", "Adam"]),
        ("description", ["Cezary", "Adam", "Bartek"]),
    ],
)
def test_it_sorts_by_each_field_both_ways(client, alice, abc, field, ascending):
    assert _first_names(client.get(URL, {"o": field}).content.decode()) == ascending
    assert _first_names(client.get(URL, {"o": f"-{field}"}).content.decode()) == ascending[::-1]


def test_it_sorts_by_last_name_unless_told(client, alice, abc):
    page = client.get(URL).content.decode()
    assert _first_names(page) == ["Cezary", "Adam", "Bartek"]
    assert '<th scope="col" class="column-last_name sortable sorted ascending"' in page


def test_the_sorted_column_links_to_the_other_direction(client, alice, abc):
    page = client.get(URL, {"o": "city", "q": "a"}).content.decode()
    assert '<th scope="col" class="column-city sortable sorted ascending"' in page
    assert '<thead hx-boost="true">' in page  # the links go through htmx
    assert '<a href="?q=a&amp;o=-city">City</a>' in page
    assert '<a href="?q=a&amp;o=phone">Phone</a>' in page
    page = client.get(URL, {"o": "-city"}).content.decode()
    assert '<th scope="col" class="column-city sortable sorted descending"' in page
    assert '<a href="?o=city">City</a>' in page


# --- Paging -------------------------------------------------------------------------


@pytest.fixture
def thirty(alice_account):
    for n in range(30):
        make_contact(alice_account, f"+485006007{n:02d}", first_name=f"Osoba {n:02d}")


def test_it_pages_by_the_size_asked_for(client, alice, thirty):
    page = client.get(URL, {"n": "25", "p": "2", "o": "first_name"}).content.decode()
    assert _first_names(page) == [f"Osoba {n}" for n in range(25, 30)]
    assert "Page 2 of 2" in page
    assert '<nav class="paginator" aria-label="Pages" hx-boost="true">' in page
    assert '<a href="?o=first_name&amp;n=25" rel="prev">' in page


def test_it_shows_fifty_a_page_at_first(client, alice, thirty, alice_account):
    for n in range(30, 60):
        make_contact(alice_account, f"+485006007{n:02d}", first_name=f"Osoba {n:02d}")
    page = client.get(URL).content.decode()
    assert len(table_rows(page)) == 50
    assert "Page 1 of 2" in page
    assert '<option value="50" selected>50</option>' in page


def test_the_page_size_is_remembered(client, alice, thirty):
    response = client.post("/contacts/page-size/", {"n": "25"})
    assert response.status_code == 302 and response.url == "/contacts/"
    assert ListPreferences.objects.get(user=alice).page_size == 25
    page = client.get(URL).content.decode()
    assert len(table_rows(page)) == 25
    assert "Page 1 of 2" in page
    assert '<option value="25" selected>25</option>' in page


def test_choosing_a_page_size_keeps_the_search_filter_and_sort_from_page_one(client, alice, thirty):
    page = client.get(URL, {"q": "Osoba", "o": "first_name", "p": "1"}).content.decode()
    (kept,) = form_values(page, "page-size")["_changelist_filters"]
    assert kept == "q=Osoba&o=first_name"
    response = client.post("/contacts/page-size/", {"n": "25", "_changelist_filters": kept})
    assert response.url == "/contacts/?q=Osoba&o=first_name"


def test_a_page_size_in_the_address_shows_that_many_without_remembering_it(client, alice, thirty):
    page = client.get(URL, {"n": "25"}).content.decode()
    assert len(table_rows(page)) == 25
    assert not ListPreferences.objects.filter(user=alice).exists()


def test_an_unknown_page_size_is_refused_with_a_message(client, alice, thirty):
    response = client.post("/contacts/page-size/", {"n": "7"}, follow=True)
    assert "Choose one of the page sizes offered." in response.content.decode()
    assert not ListPreferences.objects.filter(user=alice, page_size=7).exists()


def test_the_page_size_is_remembered_per_user(client, alice, thirty, bob_account):
    client.post("/contacts/page-size/", {"n": "25"})
    client.force_login(make_user("bob", token="bob-token"))
    page = client.get(URL).content.decode()
    assert '<option value="50" selected>50</option>' in page
    assert ListPreferences.objects.get().user == alice


# --- htmx -------------------------------------------------------------------------


def test_an_htmx_request_gets_the_results_and_the_out_of_band_parts(client, alice, alice_account):
    klienci = Group.objects.create(account=alice_account, name="Klienci")
    make_contact(alice_account, groups=[klienci], first_name="Anna")
    response = client.get(
        URL, {"q": "Anna", "g": klienci.id, "o": "-city", "n": "25"}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="contact-results"')
    assert _roots(body) == [
        ("div", "contact-results", None),
        ("span", "search-state", "true"),
        ("nav", "changelist-filter", "true"),
        ("ul", "contact-tools", "true"),
    ]
    assert _first_names(body) == ["Anna"]
    # The search box is left alone, but the state a new search keeps is brought up to date.
    state = body[body.index('<span id="search-state"') :]
    state = state[: state.index("</span>")]
    assert re.findall(r'name="(\w)" value="([^"]*)"', state) == [
        ("g", str(klienci.id)),
        ("o", "-city"),
        ("n", "25"),
    ]
    assert "HX-Request" in response["Vary"]


def test_a_full_page_also_varies_on_htmx(client, alice):
    response = client.get(URL)
    assert "HX-Request" in response["Vary"]
    page = response.content.decode()
    assert "hx-swap-oob" not in page
    assert '<form id="changelist-search"' in page


def test_a_history_restore_gets_the_whole_page(client, alice, alice_account):
    make_contact(alice_account, first_name="Anna")
    response = client.get(
        URL, {"q": "Anna"}, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    page = response.content.decode()
    assert "<html" in page
    assert '<form id="changelist-search"' in page
    assert _first_names(page) == ["Anna"]


# --- Bad input and failures -------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"o": "bogus"},
        {"o": "-"},
        {"p": "-1"},
        {"p": "0"},
        {"p": "abc"},
        {"p": "99999999999"},
        {"g": "abc"},
        {"g": "-3"},
        {"n": "7"},
        {"n": "abc"},
        {"q": "x" * 500},
    ],
)
def test_bad_query_parameters_fall_back_to_defaults(client, alice, abc, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert _first_names(page) == ["Cezary", "Adam", "Bartek"]
    assert "Page 1 of 1" in page
    assert '<option value="50" selected>50</option>' in page
    assert not ListPreferences.objects.filter(user=alice).exists()


def test_a_group_that_does_not_exist_is_a_message(client, alice, abc):
    response = client.get(URL, {"g": "999999"})
    assert response.status_code == 200
    assert '<p class="errornote" role="alert">It does not exist in your SerwerSMS account' in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    "mode, words",
    [
        ("http500", "The SerwerSMS API answered with an error (HTTP 500)."),
        ("api_error", "The SerwerSMS API refused the request: Wystąpił błąd wewnętrzny"),
        ("malformed", "The SerwerSMS API gave an answer that could not be read."),
        ("disconnect", "The connection to the SerwerSMS API broke before it answered."),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_api_failure_is_a_message_with_a_way_to_retry(client, alice, faults, mode, words, htmx):
    faults(mode)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(URL, {"q": "Anna", "o": "-city"}, headers=headers)
    assert response.status_code == 200
    body = response.content.decode()
    assert ("<html" in body) is not htmx
    results = body[body.index('<div id="contact-results"') :]
    assert results.split("<p", 1)[1].lstrip().startswith(f'class="errornote" role="alert">{words}')
    assert '<a href="?q=Anna&amp;o=-city" hx-get="?q=Anna&amp;o=-city">Try again</a></p>' in results
    # The filter says its own part failed, and still offers All and In no group.
    assert [label for label, _, _ in _filter_choices(body)] == ["All", "In no group"]


def test_a_page_past_the_end_does_not_claim_the_list_is_empty(client, alice, abc):
    page = client.get(URL, {"p": "2"}).content.decode()
    assert "No contacts here yet." not in page
    assert "Page 2 of 1" not in page


@pytest.mark.parametrize("size", ["²", "0100", "7", "", "abc"])
def test_a_page_size_that_is_not_offered_is_refused_not_a_crash(client, alice, size):
    response = client.post("/contacts/page-size/", {"n": size}, follow=True)
    assert response.status_code == 200
    assert "Choose one of the page sizes offered." in response.content.decode()
    assert not ListPreferences.objects.filter(user=alice).exists()
