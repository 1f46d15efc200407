"""Named users for view tests: alice and bob each own a sandbox account; charlie has none."""

from html.parser import HTMLParser

from django.contrib.auth.models import User

from contacts_ui.models import ApiCredentials


def make_user(username: str, token: str | None = None) -> User:
    user = User.objects.create_user(username, password="pass-for-tests")
    if token is not None:
        credentials = ApiCredentials(user=user, auth_style=ApiCredentials.TOKEN)
        credentials.set_secret(token)
        credentials.save()
    return user


class _TableReader(HTMLParser):
    """The text of each cell of each body row of the table with id result_list."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("id", "result_list") in attrs:
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._in_table = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_rows(html: str) -> list[list[str]]:
    reader = _TableReader()
    reader.feed(html)
    return reader.rows
