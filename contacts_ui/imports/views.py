"""Importing contacts from a CSV file: upload, map the columns, preview, start the job.

The file is decoded and parsed once, on upload, and kept parsed (ImportUpload) while its
owner maps and previews it. The mapping travels in the query string, so the preview is a
GET that can be reloaded; nothing is written at SerwerSMS until "Import" is posted, which
starts a background job with one item per valid row.

The heavy work of a check is done once and kept with the upload: each row's own checks
under a mapping, and the phones in each target group, read at the first check against it
and read again only when the person asks ("Check again against the groups") or after an
import of the file has started. It is kept by a POST: the mapping form posts to the
preview, which checks, keeps, and shows itself (a GET) with what was kept. A GET changes
nothing: what was not kept (another mapping, a group not read yet) it works out for
itself. So what is imported is what the last preview showed, checked against the groups
as they were when the preview says.
"""

import math
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import PurePath
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from .. import roles
from ..jobs import runner
from ..models import ImportUpload, Job, JobItem
from ..serwersms import PAGE_LIMIT, Group, SerwerSMSClient, SerwerSMSError
from ..views.shared import (
    api_client_required,
    groups_named_by_number,
    groups_or_error,
    id_from,
    render_partial_or_page,
)
from . import bulk, csv_rows, retention
from .forms import ImportMappingForm, ImportUploadForm

PREVIEW_PAGE_SIZE = 100
# The first records shown under the column pickers.
SAMPLE_RECORDS = 6


def _upload_of(request: HttpRequest, upload_id: int, unread=()) -> ImportUpload:
    """The user's own upload, or 404: no one else's file is ever shown. The fields named in
    `unread` are not read (a step that does not need them)."""
    uploads = ImportUpload.objects.defer(*unread)
    return get_object_or_404(uploads, pk=upload_id, user=request.user)


def _table(upload: ImportUpload) -> csv_rows.Table:
    """The file as it was parsed on upload."""
    return csv_rows.Table(records=upload.records, width=upload.width)


def _groups(request, client: SerwerSMSClient, chosen: list[str]) -> tuple[list[Group], str | None]:
    """The groups to choose from; when they cannot be listed, the ones already chosen
    (named by number) and the reason, so that the person's choice is kept."""
    groups, error = groups_or_error(request, client)
    if error is None:
        return groups, None
    ids = [group_id for group_id in map(id_from, chosen) if group_id is not None]
    return groups_named_by_number(ids), error


# The members one request reads to check the rows against the target groups (a call for
# each PAGE_LIMIT of them). A group beyond is checked by the import itself, before it adds
# anything (jobs.kinds.prepare_import).
CHECKED_HERE_UP_TO = 4 * PAGE_LIMIT


def _checked_later(upload: ImportUpload, groups: list[Group], again: bool) -> list[Group]:
    """Of the target groups, those too large to read in this request: the largest, beyond
    what fits in CHECKED_HERE_UP_TO with those not read already."""
    kept = upload.group_phones
    to_read = sorted(
        (group for group in groups if again or str(group.id) not in kept), key=lambda g: g.count
    )
    later, budget = [], CHECKED_HERE_UP_TO
    for group in to_read:
        if group.count > budget:
            later.append(group)
        else:
            budget -= group.count
    return later


def _phones_in_groups(
    client: SerwerSMSClient,
    upload: ImportUpload,
    group_ids: list[int],
    names: dict[int, str],
    *,
    keep: bool,
    again: bool = False,
) -> tuple[dict[str, list[str]], datetime]:
    """Each phone (E.164) already in one of the groups, with the names of those groups, and
    when the earliest of those groups was read. As kept with the upload from the first check
    against each group; a group not read before, or every one when `again`, is read now, and
    kept when `keep`. When a read fails (SerwerSMSError), what was kept stays as it was."""
    kept = upload.group_phones
    to_read = [group_id for group_id in group_ids if again or str(group_id) not in kept]
    if to_read:
        now = timezone.now().isoformat()
        # Every group is read before any is kept: a check is of them all, at one time.
        read = {
            str(g): {"read_at": now, "phones": csv_rows.phones_in_group(client, g)} for g in to_read
        }
        kept = {**kept, **read}
        if keep:
            ImportUpload.objects.filter(pk=upload.pk).update(group_phones=kept)
            upload.group_phones = kept
    phones: dict[str, list[str]] = {}
    for group_id in group_ids:
        for phone in kept[str(group_id)]["phones"]:
            in_groups = phones.setdefault(phone, [])
            if names[group_id] not in in_groups:
                in_groups.append(names[group_id])
    read_at = min(datetime.fromisoformat(kept[str(g)]["read_at"]) for g in group_ids)
    return phones, read_at


def _row_checks(
    upload: ImportUpload,
    table: csv_rows.Table,
    has_header: bool,
    mapping: list[str],
    *,
    keep: bool,
) -> list[csv_rows.CheckedFields]:
    """Each row's own checks under this mapping: as kept with the upload, or made now (the
    costly part of a check), and kept when `keep`. Their messages are in the request's
    language, so a check in another is made again."""
    key = [has_header, mapping, translation.get_language()]
    if upload.row_checks.get("key") == key:
        return [csv_rows.CheckedFields.from_json(row) for row in upload.row_checks["rows"]]
    checks = csv_rows.check_fields(table, has_header, mapping)
    if keep:
        upload.row_checks = {"key": key, "rows": [check.as_json() for check in checks]}
        ImportUpload.objects.filter(pk=upload.pk).update(row_checks=upload.row_checks)
    return checks


@dataclass
class _Checked:
    """An upload read with a mapping: the rows as they would be sent, or why not."""

    upload: ImportUpload
    table: csv_rows.Table
    form: ImportMappingForm
    groups: list[Group]
    rows: list[csv_rows.Row] | None = None
    # An API call failed: the rows were not checked against the target groups. Why, in the
    # service module's words (reason), and as the preview says it (error).
    reason: str | None = None
    error: str | None = None
    # When the target groups' members that the rows were checked against were read.
    groups_read_at: datetime | None = None
    # Target groups too large to check here: the import checks the rows against them.
    checked_later: list[Group] = field(default_factory=list)

    @property
    def valid_rows(self) -> list[csv_rows.Row]:
        return [row for row in self.rows or [] if row.ok]

    @property
    def invalid_rows(self) -> list[csv_rows.Row]:
        return [row for row in self.rows or [] if not row.ok]

    @property
    def query(self) -> str:
        return urlencode(self.form.query_pairs())

    @property
    def has_header(self) -> bool:
        return bool(self.form.cleaned_data["header"])

    def header(self) -> list[str]:
        return csv_rows.column_names(self.table, self.has_header)


def _mapping_form(data, table, groups) -> ImportMappingForm:
    # The columns are named by the header row only when the box was ticked.
    columns = csv_rows.column_names(table, bool(data.get("header")))
    return ImportMappingForm(data, columns=columns, groups=groups)


def _check(
    request,
    client: SerwerSMSClient,
    upload: ImportUpload,
    data,
    *,
    keep: bool,
    again: bool = False,
) -> _Checked:
    """Read the upload with the mapping sent in `data`, and check every row. What earlier
    checks kept is used; what they did not is worked out now, and kept when `keep` (a POST:
    a GET changes nothing). With `again`, the target groups' members are read afresh."""
    table = _table(upload)
    groups, error = _groups(request, client, data.getlist("g"))
    checked = _Checked(upload, table, _mapping_form(data, table, groups), groups)
    if not checked.form.is_valid():
        checked.error = error
        return checked
    group_ids = checked.form.cleaned_data["g"]
    existing: dict[str, list[str]] = {}
    if error is None and group_ids:
        names = {group.id: group.name for group in groups}
        chosen = [group for group in groups if group.id in group_ids]
        checked.checked_later = _checked_later(upload, chosen, again)
        later = {group.id for group in checked.checked_later}
        read_here = [group_id for group_id in group_ids if group_id not in later]
        try:
            if read_here:
                existing, checked.groups_read_at = _phones_in_groups(
                    client, upload, read_here, names, keep=keep, again=again
                )
        except SerwerSMSError as exc:
            error = exc.message
    if error is not None and group_ids:
        checked.reason = error
        checked.error = _(
            "%(reason)s So the rows could not be checked against your groups and "
            "nothing can be imported now; reload the page to try again."
        ) % {"reason": error}
    mapping = checked.form.mapping()
    checks = _row_checks(upload, table, checked.has_header, mapping, keep=keep)
    checked.rows = csv_rows.validate_rows(table, checked.has_header, mapping, existing, checks)
    return checked


def _render_map(request: HttpRequest, checked: _Checked, error: str | None = None):
    upload, table, form = checked.upload, checked.table, checked.form
    width = table.width
    sample = [
        (line, cells[:width] + [""] * (width - len(cells)))
        for line, cells in table.records[:SAMPLE_RECORDS]
    ]
    context = {
        "title": _("Import contacts"),
        "upload": upload,
        "form": form,
        "error": error,
        "sample": sample,
        "row_count": len(table.records),
        "encoding": csv_rows.ENCODING_NAMES.get(upload.encoding, upload.encoding),
        "delimiter": csv_rows.DELIMITER_NAMES.get(upload.delimiter, upload.delimiter),
        "media": form.media,
    }
    return render(request, "contacts_ui/import_map.html", context)


# --- The steps --------------------------------------------------------------------------


@login_required
@roles.permission_required(roles.IMPORT)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            loaded = form.loaded
            upload = ImportUpload.objects.create(
                user=request.user,
                filename=PurePath(form.cleaned_data["file"].name).name[:255],
                records=loaded.table.records,
                width=loaded.table.width,
                encoding=loaded.encoding,
                delimiter=loaded.delimiter,
            )
            return redirect("contacts_ui:import_map", upload.pk)
    else:
        form = ImportUploadForm()
    context = {
        "title": _("Import contacts"),
        "form": form,
        "max_rows": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True),
        "max_size": filesizeformat(settings.IMPORT_MAX_BYTES),
    }
    return render(request, "contacts_ui/import_upload.html", context)


@login_required
@roles.permission_required(roles.IMPORT)
@api_client_required
@require_GET
def import_map(request: HttpRequest, client: SerwerSMSClient, upload_id: int) -> HttpResponse:
    """Which column holds what, and the target groups: guessed, or as sent back from the
    preview to be changed."""
    upload = _upload_of(request, upload_id, unread=["group_phones", "row_checks"])
    table = _table(upload)
    groups, error = _groups(request, client, request.GET.getlist("g"))
    if request.GET:
        form = _mapping_form(request.GET, table, groups)
    else:
        has_header = csv_rows.guess_has_header(table)
        initial = ImportMappingForm.initial_for(
            csv_rows.guess_mapping(table, has_header), has_header
        )
        form = ImportMappingForm(
            initial=initial,
            columns=csv_rows.column_names(table, has_header),
            groups=groups,
        )
    return _render_map(request, _Checked(upload, table, form, groups), error)


def _preview_url(upload: ImportUpload, form: ImportMappingForm) -> str:
    url = reverse("contacts_ui:import_preview", args=[upload.pk])
    return f"{url}?{urlencode(form.query_pairs())}"


def _check_and_keep(request: HttpRequest, client: SerwerSMSClient, upload_id: int):
    """The mapping form posted ("Preview the import"), or "Check again against the groups":
    check the rows and keep what was worked out, then show the preview."""
    upload = _upload_of(request, upload_id)
    again = request.POST.get("again") == "1"
    checked = _check(request, client, upload, request.POST, keep=True, again=again)
    if checked.rows is None:
        return _render_map(request, checked, checked.error)
    if checked.error is not None and again:
        # What was kept from the check before stands, and the preview says when it was made.
        messages.error(
            request,
            _("%(reason)s So the groups were not checked again.") % {"reason": checked.reason},
        )
    # A first check that failed is not said here: the preview tries once more, and says so
    # if that fails too.
    return redirect(_preview_url(upload, checked.form))


@login_required
@roles.permission_required(roles.IMPORT)
@api_client_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def import_preview(request: HttpRequest, client: SerwerSMSClient, upload_id: int) -> HttpResponse:
    """The dry run: every row as it will be sent, with what is wrong with it; writes nothing
    at SerwerSMS. Posted to (the mapping form, or "Check again against the groups"), it
    checks and keeps what it worked out, then shows itself."""
    if request.method == "POST":
        return _check_and_keep(request, client, upload_id)
    checked = _check(request, client, _upload_of(request, upload_id), request.GET, keep=False)
    if checked.rows is None:
        return _render_map(request, checked, checked.error)
    only_errors = request.GET.get("errors") == "1"
    shown = checked.invalid_rows if only_errors else checked.rows
    page = Paginator(shown, PREVIEW_PAGE_SIZE).get_page(request.GET.get("p"))
    # The fields in the order of the file's columns, so that the rows read as the file does.
    fields = [name for name in checked.form.mapping() if name]
    query = checked.query

    def url(errors: bool = only_errors, page_number: int = 1) -> str:
        pairs = [("errors", "1")] if errors else []
        pairs += [("p", str(page_number))] if page_number > 1 else []
        extra = urlencode(pairs)
        return "?" + "&".join(part for part in (query, extra) if part)

    chosen = set(checked.form.cleaned_data["g"])
    new_group = checked.form.cleaned_data["new_group"]
    bulk_calls = 0
    if new_group and bulk.takes_only_import_fields(checked.form.mapping()):
        bulk_calls = math.ceil(len(checked.valid_rows) / _batch_size())
    context = {
        "title": _("Import preview"),
        "upload": checked.upload,
        "error": checked.error,
        "query": query,
        "hidden": checked.form.query_pairs(),
        "columns": [(name, csv_rows.field_label(name)) for name in fields],
        "page": page,
        "rows": [(row, [row.value(name) for name in fields]) for row in page],
        "valid_count": len(checked.valid_rows),
        "invalid_count": len(checked.invalid_rows),
        "total_count": len(checked.rows),
        "only_errors": only_errors,
        "groups": [group for group in checked.groups if group.id in chosen],
        "new_group": new_group,
        "bulk_calls": bulk_calls,
        "batch_size": _batch_size(),
        "all_url": url(errors=False),
        "errors_url": url(errors=True),
        "previous_url": url(page_number=page.number - 1) if page.has_previous() else None,
        "next_url": url(page_number=page.number + 1) if page.has_next() else None,
        "first_url": url(page_number=1) if page.number > 2 else None,
        "last_url": (
            url(page_number=page.paginator.num_pages)
            if page.number < page.paginator.num_pages - 1
            else None
        ),
        "retry_url": "?" + request.GET.urlencode(),
        "groups_read_at": checked.groups_read_at,
        "checked_later": checked.checked_later,
        # The start form's one-time key: it becomes the job's id, so that the form posted
        # twice starts one import.
        "attempt": uuid.uuid4(),
    }
    if render_partial_or_page(request):
        return render(request, "contacts_ui/_import_rows.html", context)
    return render(request, "contacts_ui/import_preview.html", context)


def _batch_size() -> int:
    return max(1, settings.IMPORT_BATCH_SIZE)


def _csv_response(content: bytes, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


def _stem(filename: str) -> str:
    return PurePath(filename).stem or "import"


@login_required
@roles.permission_required(roles.IMPORT)
@api_client_required
@require_GET
def import_errors_csv(
    request: HttpRequest, client: SerwerSMSClient, upload_id: int
) -> HttpResponse:
    """The preview's rows with errors, as a CSV with an error column: to fix and upload again."""
    checked = _check(request, client, _upload_of(request, upload_id), request.GET, keep=False)
    if checked.rows is None:
        return _render_map(request, checked, checked.error)
    if checked.error is not None:
        messages.error(request, checked.error)
        return redirect(_preview_url(checked.upload, checked.form))
    rows = [(row.cells, " ".join(row.errors)) for row in checked.invalid_rows]
    content = csv_rows.rows_csv(checked.header(), rows)
    return _csv_response(
        content, _("%(name)s-errors.csv") % {"name": _stem(checked.upload.filename)}
    )


@login_required
@roles.permission_required(roles.IMPORT)
@api_client_required
@require_POST
def import_start(request: HttpRequest, client: SerwerSMSClient, upload_id: int) -> HttpResponse:
    """Start the import of the rows without errors, as a background job; once for each
    showing of the preview (its form's one-time key becomes the job's id)."""
    upload = _upload_of(request, upload_id)
    attempt = _uuid_or_none(request.POST.get("attempt", ""))
    if attempt is not None and Job.objects.filter(pk=attempt, user=request.user).exists():
        return _started_already(request, attempt)
    checked = _check(request, client, upload, request.POST, keep=True)
    if checked.rows is None:
        return _render_map(request, checked, checked.error)
    if checked.error is not None:
        messages.error(request, checked.error)
        return redirect(_preview_url(checked.upload, checked.form))
    valid = checked.valid_rows
    if not valid:
        messages.error(request, _("No row can be imported: every row has an error."))
        return redirect(_preview_url(checked.upload, checked.form))
    group_ids = checked.form.cleaned_data["g"]
    new_group = checked.form.cleaned_data["new_group"]
    items = [
        (
            row.data.label,
            {
                "row": row.line,
                "data": asdict(row.data),
                "group_ids": group_ids,
                "source": row.cells,
                **({"blacklist": True} if row.blacklist else {}),
            },
        )
        for row in valid
    ]
    title = _("Import of %(file)s") % {"file": checked.upload.filename}
    if new_group:
        title = _("Import of %(file)s into the new group “%(group)s”") % {
            "file": checked.upload.filename,
            "group": new_group,
        }
    try:
        job = runner.start(
            request,
            kind=Job.Kind.CONTACT_IMPORT,
            title=title[:255],
            items=items,
            params={
                "header": checked.header(),
                "upload_id": checked.upload.pk,
                # Made by the job; with SerwerSMS's bulk import when it takes every field.
                **(
                    {
                        "new_group": new_group,
                        "bulk": bulk.takes_only_import_fields(checked.form.mapping()),
                    }
                    if new_group
                    else {}
                ),
                # Groups the preview could not check: the job checks the rows against them.
                **(
                    {"check_groups": {str(g.id): g.name for g in checked.checked_later}}
                    if checked.checked_later
                    else {}
                ),
            },
            back_url=reverse("contacts_ui:contact_list"),
            job_id=attempt,
            # Reading a large group is the worker's, however few the rows.
            always_queued=bool(checked.checked_later),
        )
    except IntegrityError:
        # The same form, posted again while this request checked the rows.
        return _started_already(request, attempt)
    # The import adds its rows to the groups, which the phones kept from the check do not
    # know: the next check of this file reads the groups again.
    ImportUpload.objects.filter(pk=upload.pk).update(group_phones={})
    return redirect("contacts_ui:job_detail", job.pk)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _started_already(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    messages.info(request, _("This import was started already."))
    if not Job.objects.filter(pk=job_id, user=request.user).exists():
        # Not this user's job (a key that was someone else's): back to the start.
        return redirect("contacts_ui:import_upload")
    return redirect("contacts_ui:job_detail", job_id)


@login_required
@roles.permission_required(roles.IMPORT)
@require_GET
def import_failed_rows(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """An import job's rows that failed (or whose outcome is unknown), as the file had them,
    with an error column: to fix and upload again."""
    job = get_object_or_404(Job, pk=job_id, user=request.user, kind=Job.Kind.CONTACT_IMPORT)
    items = job.items.filter(status__in=[JobItem.Status.FAILED, JobItem.Status.UNKNOWN])
    if retention.rows_gone(items):
        messages.error(request, retention.rows_gone_message())
        return redirect("contacts_ui:job_detail", job.pk)
    rows = [(item.payload.get("source") or [], _item_error(item)) for item in items]
    header = job.params.get("header")
    if not header:
        width = max((len(cells) for cells, _error in rows), default=1)
        header = [_("Column %(number)d") % {"number": n} for n in range(1, width + 1)]
    upload = ImportUpload.objects.filter(pk=job.params.get("upload_id"), user=request.user).first()
    stem = _stem(upload.filename) if upload else "import"
    return _csv_response(csv_rows.rows_csv(header, rows), _("%(name)s-failed.csv") % {"name": stem})


def _item_error(item: JobItem) -> str:
    if item.message:
        return item.message
    if item.status == JobItem.Status.UNKNOWN:
        return _(
            "No answer came: the contact may or may not have been added. "
            "Check before you import it again."
        )
    return str(item.get_status_display())
