"""The contacts list, as it stands (search, group filter, sort), as a CSV file.

Written for Polish Excel: UTF-8 with a byte order mark (without it Excel reads
the file as Windows-1250 and garbles “Łódź”), and `;` between cells (Excel's
list separator in the Polish locale). The file is streamed a page of the API at
a time, so that 100,000 contacts never sit in memory at once.
"""

import csv
import logging
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from .. import roles, serwersms
from ..forms import CONTACT_COLUMNS, ContactListQuery
from ..serwersms import Contact, SerwerSMSClient, SerwerSMSError, every_page
from ..spreadsheet import safe_cell
from .shared import api_client_required

logger = logging.getLogger(__name__)

# Contacts asked for per call. A module global, read on each call, so that tests
# can make it small and see many pages.
PAGE_LIMIT = serwersms.PAGE_LIMIT
BOM = "\ufeff"
DELIMITER = ";"

# The file's columns: the list's own (contact attribute, heading), in its order, then
# the group the contact was listed under (the first of its groups) and the blacklist.
COLUMNS = [
    *CONTACT_COLUMNS,
    ("group_name", gettext_lazy("Group")),
    ("blacklist", gettext_lazy("Blacklisted")),
]


# --- Cells ------------------------------------------------------------------------


def contact_row(contact: Contact, yes: str, no: str) -> list[str]:
    row = []
    for column, _heading in COLUMNS:
        value = getattr(contact, column)
        if column == "blacklist":
            value = yes if value else no
        row.append(safe_cell(value, phone=column == "phone"))
    return row


class _Echo:
    """A file that hands back what is written to it (Django's streaming-CSV pattern)."""

    def write(self, value: str) -> str:
        return value


# --- The view ---------------------------------------------------------------------


def _fetch(client: SerwerSMSClient, query: dict, page: int):
    return client.contacts_index(
        **ContactListQuery.search_params(query), page=page, limit=PAGE_LIMIT
    )


def _rows(client: SerwerSMSClient, query: dict, first_page, language: str) -> Iterator[str]:
    """The file, a page at a time: the mark, the headings, each contact, then each next page."""
    # The generator runs after the view has returned: say things in the request's language.
    with translation.override(language):
        writer = csv.writer(_Echo(), delimiter=DELIMITER)
        yes, no = _("Yes"), _("No")
        yield BOM + writer.writerow([str(heading) for _column, heading in COLUMNS])
        pages = every_page(lambda number: _fetch(client, query, number), first=first_page)
        read = 0
        while True:
            # Paging by number: a contact added or deleted meanwhile may shift a row
            # between pages, as on the list itself.
            try:
                page = next(pages)
            except StopIteration:
                return
            except SerwerSMSError as exc:
                # The status line has gone out already; the file itself must say it.
                logger.warning("Contact export stopped after page %s: %s", read, exc)
                yield writer.writerow(
                    [
                        _(
                            "THE EXPORT IS INCOMPLETE: the contacts after page %(page)s "
                            "could not be read. %(reason)s"
                        )
                        % {"page": read, "reason": exc.message}
                    ]
                )
                return
            contacts = page.items
            if query["b"]:
                # The list's blacklist filter, which the API cannot apply.
                contacts = [c for c in contacts if c.blacklist == (query["b"] == "yes")]
            yield "".join(writer.writerow(contact_row(c, yes, no)) for c in contacts)
            read = page.page


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
@require_GET
def contact_export(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    query = ContactListQuery.read(request.GET)
    try:
        # The first page is read before answering, so that a failure can still say so.
        first_page = _fetch(client, query, 1)
    except SerwerSMSError as exc:
        messages.error(
            request,
            _("The contacts could not be exported. %(reason)s") % {"reason": exc.message},
        )
        # Back to the list as it was, which says the same failure in its own place.
        list_query = ContactListQuery.url(query)
        list_url = reverse("contacts_ui:contact_list")
        return redirect(list_url + list_query if list_query != "?" else list_url)
    response = StreamingHttpResponse(
        _rows(client, query, first_page, translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"contacts-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
