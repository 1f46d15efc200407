"""Undo of a recorded change, and the trash: what was deleted, each with Restore."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .. import roles
from ..jobs import runner
from ..models import HistoryEntry, Job
from ..serwersms import CONTACT_FIELDS, ContactData, SerwerSMSClient, SerwerSMSError
from ..views.shared import (
    api_client_required,
    id_from,
    recorder_for,
    render_partial_or_page,
    safe_next,
)
from . import undo
from .recorder import WriteRecorder
from .records import differing, field_label, group_names, shown_value
from .views import visible_entries

TRASH_PER_PAGE = 50
# The most items one bulk restore takes.
MAX_BULK_RESTORE = 500
# A bulk action of more changes than this is undone by the task worker (contacts_ui.jobs.runner).
UNDO_HERE_UP_TO = 20
LISTED_ON_CONFIRMATION = 100


def _entry_to_undo(request: HttpRequest, entry_id: int) -> HistoryEntry:
    """The entry, among those this person sees (404 otherwise); 403 for a colleague's when
    their role may not undo anyone's change."""
    entry = get_object_or_404(visible_entries(request.user), id=entry_id)
    if entry.user_id != request.user.pk and not roles.may(request.user, roles.UNDO_ANY):
        raise PermissionDenied("the role may not undo this change")
    return entry


def _refuse_unless_may_undo(user, entry: HistoryEntry) -> None:
    """UndoRefused for a colleague's change made with other API credentials (undo.may_undo)."""
    if not undo.may_undo(user, entry):
        raise undo.UndoRefused(
            _(
                "%(user)s made this change with other API credentials than yours, which may "
                "reach another SerwerSMS account, so it is undone only by %(user)s (or by "
                "someone with the same credentials)."
            )
            % {"user": entry.username}
        )


def _restores_in_background(entry: HistoryEntry) -> bool:
    """A group deletion of more members than a request restores: three calls a member."""
    members = (entry.before or {}).get("members", [])
    return entry.action == HistoryEntry.Action.GROUP_DELETE and len(members) > runner.INLINE_ITEMS


def _restore_group_in_background(request, recorder, entry: HistoryEntry, back_url: str):
    """Undo a large group's deletion: the group, created again now; its members restored
    by a job, each an item. What was done, as a sentence, and the job."""
    new_id = undo.recreate_group(entry, recorder)
    before = entry.before
    job = runner.start(
        request,
        kind=Job.Kind.GROUP_RESTORE,
        title=_("Restore the contacts of the group “%(name)s”") % {"name": before["name"]},
        items=[(ContactData.from_record(member).label, member) for member in before["members"]],
        params={
            "undoes": entry.id,
            "group_name": before["name"],
            "group_id_then": before["id"],
            "new_group_id": new_id,
            "deleted_with_it": bool(before.get("delete_contacts")),
        },
        back_url=back_url,
        always_queued=True,
    )
    text = _(
        "The group “%(name)s” was created again (its new id is %(id)s); its %(count)s contacts "
        "are being restored in the background."
    ) % {"name": before["name"], "id": new_id, "count": len(before["members"])}
    return text, job


def _undo_in_background(request, entries: list[HistoryEntry], back_url: str, title="") -> Job:
    """Undo these entries, one after another, by the task worker."""
    count = {"count": len(entries)}
    return runner.start(
        request,
        kind=Job.Kind.HISTORY_UNDO,
        title=title
        or ngettext("Undo of %(count)s change", "Undo of %(count)s changes", len(entries)) % count,
        items=[(entry.target_name or entry.phone, {"entry_id": entry.id}) for entry in entries],
        back_url=back_url,
    )


def _differences(entry, refused: undo.UndoRefused | None) -> list[tuple[str, object, object]]:
    if refused is None:
        return []
    names = group_names(entry.before, entry.after)
    return [
        (
            field_label(entry.kind, field),
            shown_value(entry.kind, field, expected, names),
            shown_value(entry.kind, field, now, names),
        )
        for field, expected, now in refused.differences
    ]


def _what_undo_sets(entry: HistoryEntry) -> list[dict]:
    """What undoing the entry sets at SerwerSMS, field by field: each field's label, its value
    now as the change left it (None: there is no such record now) and its value after the
    undo (None: the record is deleted). For an edit, the fields the change changed; for an
    addition, the record that is deleted; for a deletion, the record that is created again."""
    before, after = entry.before, entry.after
    if entry.kind == HistoryEntry.BLACKLIST:
        fields = ["listed"]
    elif entry.kind == HistoryEntry.GROUP:
        fields = ["name"]
    else:
        fields = [*CONTACT_FIELDS, "group_ids"]
    if entry.action == HistoryEntry.Action.GROUP_DELETE:
        # The deletion's record holds its members too, listed on their own.
        before = {"name": before["name"]}
    if before is not None and after is not None:
        changed = differing(after, before, fields)
    else:
        # Added or deleted: the whole record, its empty fields left out.
        record = before if after is None else after
        changed = [
            (field, after and after.get(field), before and before.get(field))
            for field in fields
            if record.get(field) not in (None, "", [])
        ]
    names = group_names(entry.after, entry.before)
    rows = []
    for field, now, then in changed:
        then = shown_value(entry.kind, field, then, names)
        if entry.action == HistoryEntry.Action.CONTACT_DELETE and field == "group_ids":
            # Created again in those still there when it is undone (undo._recreate_contact).
            then = then + " " + _("(those of them that still exist)")
        rows.append(
            {
                "label": field_label(entry.kind, field),
                "now": shown_value(entry.kind, field, now, names),
                "then": then,
            }
        )
    return rows


def _members_restored(entry: HistoryEntry) -> dict:
    """For a group's deletion: the contacts that undoing it puts back in the group (or
    creates again, when they were deleted with it), the first of them by name and phone."""
    if entry.action != HistoryEntry.Action.GROUP_DELETE:
        return {}
    members = entry.before.get("members") or []
    listed = [
        {"name": ContactData.from_record(record).display_name, "phone": record.get("phone", "")}
        for record in members[:LISTED_ON_CONFIRMATION]
    ]
    return {
        "members": listed,
        "more_members": len(members) - len(listed),
        "members_created_again": bool(entry.before.get("delete_contacts")),
    }


@login_required
@roles.permission_required(roles.UNDO_OWN)
@api_client_required
@require_http_methods(["GET", "POST"])
def history_undo(request: HttpRequest, client: SerwerSMSClient, entry_id: int) -> HttpResponse:
    """GET: what undoing will do, and whether it can (reading only). POST: undo it."""
    entry = _entry_to_undo(request, entry_id)
    back = safe_next(request) or reverse("contacts_ui:history_detail", args=[entry.id])
    refused, error = None, None
    recorder = recorder_for(request, client)
    try:
        _refuse_unless_may_undo(request.user, entry)
        undo.refuse_unless_undoable(entry)
        if request.method == "POST" and _restores_in_background(entry):
            done, job = _restore_group_in_background(request, recorder, entry, back)
            messages.success(request, done)
            return redirect("contacts_ui:job_detail", job.pk)
        if request.method == "POST":
            done = undo.perform(entry, recorder)
            messages.success(request, done)
            return redirect(back)
        undo.check(entry, recorder)
    except undo.UndoRefused as exc:
        refused = exc
    except SerwerSMSError as exc:
        error = exc.message
    context = {
        "title": _("Undo: %(name)s") % {"name": entry.target_name},
        "entry": entry,
        "description": undo.describe(entry),
        "new_id": entry.action
        in (HistoryEntry.Action.CONTACT_DELETE, HistoryEntry.Action.GROUP_DELETE),
        "refused": refused,
        "in_background": _restores_in_background(entry),
        "differences": _differences(entry, refused),
        "sets": _what_undo_sets(entry),
        **_members_restored(entry),
        "error": error,
        "back": back,
        "next": safe_next(request) or "",
    }
    return render(request, "contacts_ui/history_confirm_undo.html", context)


# --- The trash -------------------------------------------------------------------------


def _trash(request: HttpRequest):
    """The user's own deletions, that may have been made, not undone, within the retention."""
    since = timezone.now() - timezone.timedelta(days=settings.HISTORY_RETENTION_DAYS)
    return (
        HistoryEntry.objects.filter(
            user=request.user,
            action__in=[HistoryEntry.Action.CONTACT_DELETE, HistoryEntry.Action.GROUP_DELETE],
            outcome__in=[HistoryEntry.Outcome.DONE, HistoryEntry.Outcome.UNKNOWN],
            at__gte=since,
        )
        .exclude(undos__outcome=HistoryEntry.Outcome.DONE)
        .distinct()
    )


@login_required
@roles.permission_required(roles.UNDO_OWN)
def trash_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    entries = _trash(request)
    if query:
        entries = entries.filter(Q(target_name__icontains=query) | Q(phone__icontains=query))
    page = Paginator(entries, TRASH_PER_PAGE).get_page(request.GET.get("p"))
    context = {
        "title": _("Trash"),
        "page": page,
        "search": query,
        "retention_days": settings.HISTORY_RETENTION_DAYS,
        "here": request.get_full_path(),
    }
    return render(request, "contacts_ui/trash_list.html", context)


def _undo_one(request, recorder: WriteRecorder, entry: HistoryEntry, back_url: str):
    """Undo one entry: whether it was done, and a sentence."""
    try:
        if _restores_in_background(entry):
            return True, _restore_group_in_background(request, recorder, entry, back_url)[0]
        return True, undo.perform(entry, recorder)
    except (undo.UndoRefused, SerwerSMSError) as exc:
        return False, f"{entry.target_name}: {exc.message}"


def _chosen(request: HttpRequest, name: str) -> list[int]:
    ids = (id_from(value) for value in request.POST.getlist(name))
    return [entry_id for entry_id in ids if entry_id is not None][:MAX_BULK_RESTORE]


def _count(request: HttpRequest, name: str) -> int:
    value = request.POST.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 6 else 0


def _undo_many(request, recorder, allowed, action_url: str, done_url: str) -> HttpResponse:
    """Undo the chosen entries of `allowed`, in the order given. With htmx, one a request,
    each answer showing the progress and asking for the next; without JavaScript, a few
    in this request, then back to `done_url` with a message for each, and more by the
    task worker."""
    chosen = _chosen(request, "entry")
    allowed_ids = set(allowed.filter(id__in=chosen).values_list("id", flat=True))
    remaining = [entry_id for entry_id in chosen if entry_id in allowed_ids]
    if not render_partial_or_page(request):
        if len(remaining) > runner.INLINE_ITEMS:
            by_id = allowed.in_bulk(remaining)
            job = _undo_in_background(request, [by_id[i] for i in remaining], done_url)
            return redirect("contacts_ui:job_detail", job.pk)
        for entry_id in remaining:
            ok, text = _undo_one(request, recorder, allowed.get(pk=entry_id), done_url)
            (messages.success if ok else messages.error)(request, text)
        if not remaining:
            messages.info(request, _("Choose the items to restore."))
        return redirect(done_url)

    total = _count(request, "total") or len(remaining)
    notes = request.POST.getlist("note")[:MAX_BULK_RESTORE]
    if remaining:
        ok, text = _undo_one(request, recorder, allowed.get(pk=remaining[0]), done_url)
        notes.append(("✓ " if ok else "✗ ") + text)
        remaining = remaining[1:]
    done = min(total, _count(request, "done") + 1)
    context = {
        "remaining": remaining,
        "done": done,
        "total": total,
        "notes": notes,
        "action_url": action_url,
        "next": done_url,
    }
    return render(request, "contacts_ui/_undo_progress.html", context)


@login_required
@roles.permission_required(roles.UNDO_OWN)
@api_client_required
@require_POST
def trash_restore(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """Restore the chosen items of the trash, showing progress."""
    done_url = safe_next(request) or reverse("contacts_ui:trash_list")
    action_url = reverse("contacts_ui:trash_restore")
    recorder = recorder_for(request, client)
    return _undo_many(request, recorder, _trash(request), action_url, done_url)


# --- A bulk action, undone item by item --------------------------------------------------


@login_required
@roles.permission_required(roles.UNDO_OWN)
@api_client_required
@require_http_methods(["GET", "POST"])
def batch_undo(request: HttpRequest, client: SerwerSMSClient, batch) -> HttpResponse:
    """GET: what undoing a bulk action will do, item by item. POST: undo its items, the
    latest first, showing progress."""
    entries = undo.undoable_entries(request.user).filter(batch=batch, undo_of=None)
    if not entries.exists():
        raise Http404
    history_url = f"{reverse('contacts_ui:history_list')}?{urlencode({'batch': batch})}"
    undoable = [entry for entry in entries if undo.undoable(entry)]
    in_background = len(undoable) > UNDO_HERE_UP_TO
    if request.method == "POST" and in_background:
        title = ngettext(
            "Undo of a bulk action (%(count)s change)",
            "Undo of a bulk action (%(count)s changes)",
            len(undoable),
        )
        job = _undo_in_background(request, undoable, history_url, title % {"count": len(undoable)})
        return redirect("contacts_ui:job_detail", job.pk)
    if request.method == "POST":
        action_url = reverse("contacts_ui:batch_undo", args=[batch])
        return _undo_many(request, recorder_for(request, client), entries, action_url, history_url)
    items = [(entry, undo.describe(entry)) for entry in undoable[:LISTED_ON_CONFIRMATION]]
    context = {
        "title": _("Undo a bulk action"),
        "items": items,
        "count": len(undoable),
        "more": max(0, len(undoable) - len(items)),
        "in_background": in_background,
        "done_count": entries.count() - len(undoable),
        "batch": batch,
        "history_url": history_url,
    }
    return render(request, "contacts_ui/batch_confirm_undo.html", context)
