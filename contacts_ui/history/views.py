"""The history of writes: a list with the admin's filters, and one entry field by field.

The history is this application's own table, not the API, so these views need no
API credentials and page with Django's Paginator. A staff member sees only their
own entries; a Manager (or a superuser) sees everyone's.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from .. import roles
from ..forms import HISTORY_DATES, HistoryListQuery
from ..models import HistoryEntry
from ..serwersms import ContactData
from ..views.shared import render_partial_or_page
from .records import field_changes, field_label, group_names, shown_value
from .undo import may_undo, undoable, undoable_entries

ENTRIES_PER_PAGE = 50
Outcome = HistoryEntry.Outcome


def visible_entries(user) -> QuerySet[HistoryEntry]:
    """The entries this user may see: everyone's with "see everyone's history" (a Manager's,
    a superuser's), else only their own."""
    entries = HistoryEntry.objects.select_related("user")
    return entries if roles.may(user, roles.ALL_HISTORY) else entries.filter(user=user)


# --- The list ------------------------------------------------------------------------


def _since(period: str):
    """The start of a date filter's period, in local time; None for any date."""
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "today": today,
        "week": now - timedelta(days=7),
        "month": today.replace(day=1),
    }.get(period)


def _filtered(entries: QuerySet[HistoryEntry], query: dict, sees_everyone: bool):
    if query["q"]:
        entries = entries.filter(
            Q(target_name__icontains=query["q"]) | Q(phone__icontains=query["q"])
        )
    if query["a"]:
        entries = entries.filter(action=query["a"])
    if query["u"] and sees_everyone:
        entries = entries.filter(user_id=query["u"])
    if since := _since(query["d"]):
        entries = entries.filter(at__gte=since)
    if query["kind"] and query["target"]:
        entries = entries.filter(kind=query["kind"], target_id=query["target"])
    if query["batch"]:
        entries = entries.filter(batch=query["batch"])
    return entries


def _choices(query: dict, key: str, options) -> list[dict]:
    """One filter of the sidebar: All, then each option, the chosen one marked."""
    url = HistoryListQuery.url
    choices = [
        {"label": _("All"), "url": url(query, **{key: "", "p": 1}), "selected": not query[key]}
    ]
    for value, label in options:
        choices.append(
            {
                "label": label,
                "url": url(query, **{key: value, "p": 1}),
                "selected": str(query[key]) == str(value),
            }
        )
    return choices


def _sidebar(query: dict, sees_everyone: bool) -> list[dict]:
    filters = []
    if sees_everyone:
        users = (
            get_user_model()
            .objects.filter(history_entries__isnull=False)
            .distinct()
            .order_by("username")
        )
        options = [(user.pk, user.get_username()) for user in users]
        filters.append({"title": _("By user"), "choices": _choices(query, "u", options)})
    filters.append(
        {"title": _("By action"), "choices": _choices(query, "a", HistoryEntry.Action.choices)}
    )
    filters.append({"title": _("By date"), "choices": _choices(query, "d", HISTORY_DATES)})
    return filters


def _subject(query: dict, entries: QuerySet[HistoryEntry]) -> str | None:
    """When the list is one contact's or group's history, what to call it."""
    if not (query["kind"] and query["target"]):
        return None
    latest = entries.filter(kind=query["kind"], target_id=query["target"]).first()
    name = latest.target_name if latest else f"#{query['target']}"
    if query["kind"] == HistoryEntry.CONTACT:
        return _("the contact “%(name)s”") % {"name": name}
    return _("the group “%(name)s”") % {"name": name}


@login_required
@roles.permission_required(roles.VIEW)
@vary_on_headers("HX-Request")
def history_list(request: HttpRequest) -> HttpResponse:
    query = HistoryListQuery.read(request.GET)
    sees_everyone = roles.may(request.user, roles.ALL_HISTORY)
    if not sees_everyone:
        # Only one who sees everyone's entries may pick whose to see.
        query["u"] = None
    visible = visible_entries(request.user)
    entries = _filtered(visible, query, sees_everyone).annotate(
        undone=Exists(HistoryEntry.objects.filter(undo_of=OuterRef("pk"), outcome=Outcome.DONE))
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(query["p"])
    # Past the end shows the last page; the links are made from the page shown.
    query["p"] = page.number
    url = HistoryListQuery.url
    filters = url(query)[1:]
    subject = _subject(query, visible)
    context = {
        "title": _("History of %(subject)s") % {"subject": subject} if subject else _("History"),
        "query": query,
        "page": page,
        "subject": subject,
        "all_url": reverse("contacts_ui:history_list")
        + url(query, kind="", target=None, batch=None, p=1).rstrip("?"),
        # Offered when some of the bulk action is this person's to undo (undo.may_undo).
        "batch_undo_url": (
            reverse("contacts_ui:batch_undo", args=[query["batch"]])
            if query["batch"]
            and undoable_entries(request.user).filter(batch=query["batch"]).exists()
            else None
        ),
        "filters": filters,
        "sidebar": _sidebar(query, sees_everyone),
        "previous_url": url(query, p=page.number - 1) if page.has_previous() else None,
        "next_url": url(query, p=page.number + 1) if page.has_next() else None,
        "first_url": url(query, p=1) if page.number > 2 else None,
        "last_url": (
            url(query, p=page.paginator.num_pages)
            if page.number < page.paginator.num_pages - 1
            else None
        ),
    }
    if render_partial_or_page(request):
        return render(request, "contacts_ui/_history_table.html", {**context, "oob": True})
    return render(request, "contacts_ui/history_list.html", context)


# --- One entry -----------------------------------------------------------------------


def _changes(entry: HistoryEntry) -> list[dict]:
    """The changed fields with their label, old value and new value; for an addition or a
    deletion every field, with the missing side empty (None)."""
    # Each side's own names win over the other's, for a group renamed in between.
    old_names = group_names(entry.after, entry.before)
    new_names = group_names(entry.before, entry.after)
    return [
        {
            "label": field_label(entry.kind, field),
            "old": shown_value(entry.kind, field, old, old_names),
            "new": shown_value(entry.kind, field, new, new_names),
        }
        for field, old, new in field_changes(entry)
    ]


def _members(entry: HistoryEntry) -> list[dict]:
    """Who was in a deleted group: each contact's name, phone and groups."""
    if entry.action != HistoryEntry.Action.GROUP_DELETE:
        return []
    members = []
    for record in (entry.before or {}).get("members") or []:
        names = record.get("group_names") or {}
        members.append(
            {
                "name": ContactData.from_record(record).display_name,
                "phone": record.get("phone", ""),
                "email": record.get("email", ""),
                "groups": shown_value(
                    entry.kind, "group_ids", record.get("group_ids") or [], names
                ),
            }
        )
    return members


def _target_links(entry: HistoryEntry) -> dict:
    """Where the entry's contact or group lives now, and its whole history."""
    if entry.target_id is None or entry.kind not in (HistoryEntry.CONTACT, HistoryEntry.GROUP):
        return {}
    kind = "contact" if entry.kind == HistoryEntry.CONTACT else "group"
    history = HistoryListQuery.url(
        {**HistoryListQuery.defaults, "kind": entry.kind, "target": entry.target_id}
    )
    deleted = entry.action.endswith("_delete")
    return {
        # A deleted record has no page of its own any more.
        "change_url": None
        if deleted
        else reverse(f"contacts_ui:{kind}_change", args=[entry.target_id]),
        "target_history_url": reverse("contacts_ui:history_list") + history,
    }


@login_required
@roles.permission_required(roles.VIEW)
def history_detail(request: HttpRequest, entry_id: int) -> HttpResponse:
    visible = visible_entries(request.user)
    entry = get_object_or_404(visible.select_related("undo_of"), pk=entry_id)
    before = entry.before or {}
    context = {
        "title": _("History entry"),
        "entry": entry,
        "changes": _changes(entry),
        "is_add": entry.before is None,
        "is_delete": entry.after is None,
        "members": _members(entry),
        "delete_contacts": bool(before.get("delete_contacts")),
        "undoable": undoable(entry) and may_undo(request.user, entry),
        "undos": visible.filter(undo_of=entry),
        # The entry it undid, should the viewer be allowed to see it.
        "undo_of": visible.filter(pk=entry.undo_of_id).first() if entry.undo_of_id else None,
        **_target_links(entry),
    }
    return render(request, "contacts_ui/history_detail.html", context)
