"""Bulk actions on the contacts list, as the admin's actions: tick rows (or every contact
the search finds), choose an action, confirm on a page that lists what will change,
and the work runs in the background (contacts_ui.jobs.runner) with live progress."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_GET, require_POST

from .. import contact_total, provider, roles
from ..forms import ContactActionForm, ContactListQuery
from ..jobs import kinds, runner
from ..models import Job, ListPreferences
from ..serwersms import PAGE_LIMIT, NotFound, SerwerSMSError
from .shared import (
    api_client_required,
    back_to_list,
    contacts_flagged,
    groups_or_error,
    list_filters,
    way_back_to_list,
)

# How many of the contacts concerned the confirmation page lists.
SHOWN_ON_CONFIRMATION = 100

KINDS = {
    ContactActionForm.DELETE: Job.Kind.CONTACT_DELETE,
    ContactActionForm.ADD_TO_GROUP: Job.Kind.CONTACT_ADD_TO_GROUP,
    ContactActionForm.REMOVE_FROM_GROUP: Job.Kind.CONTACT_REMOVE_FROM_GROUP,
    ContactActionForm.MOVE_TO_GROUP: Job.Kind.CONTACT_MOVE_TO_GROUP,
    ContactActionForm.BLACKLIST_ADD: Job.Kind.CONTACT_BLACKLIST_ADD,
    ContactActionForm.BLACKLIST_REMOVE: Job.Kind.CONTACT_BLACKLIST_REMOVE,
}


def _search(query: dict, page: int, limit: int, client):
    return client.contacts_index(**ContactListQuery.search_params(query), page=page, limit=limit)


def _matching(client, query: dict) -> tuple[list, int]:
    """The first contacts the search finds, and how many it finds in all (the API
    gives only a page count: the last page tells the rest)."""
    first = _search(query, 1, PAGE_LIMIT, client)
    total = len(first.items)
    if first.pages > 1:
        last = _search(query, first.pages, PAGE_LIMIT, client)
        # Every page but the last is full, at the size the API served (it may take less
        # than PAGE_LIMIT).
        total = (first.pages - 1) * len(first.items) + len(last.items)
    return first.items[:SHOWN_ON_CONFIRMATION], total


class TickedOffThePage(Exception):
    """More ticked contacts than a request reads one by one are not on the page shown."""


# Ticked contacts no longer on the page shown (moved by a change since) are read one by
# one, up to this many; a request never reads more.
READ_OFF_THE_PAGE = 5


def _ticked(client, user, query: dict, ids: list[int]) -> list:
    """The ticked contacts, read as the list showed them (one call), a few not on that
    page read one by one; contacts deleted meanwhile are left out."""
    page_size = query["n"] or ListPreferences.for_user(user).page_size
    if query["b"]:
        shown = contacts_flagged(client, query, page_size).items
    else:
        shown = _search(query, query["p"], page_size, client).items
    found = {c.id: c for c in shown if c.id in ids}
    off_the_page = [contact_id for contact_id in ids if contact_id not in found]
    if len(off_the_page) > READ_OFF_THE_PAGE:
        raise TickedOffThePage
    for contact_id in off_the_page:
        if contact_id not in found:
            try:
                found[contact_id] = client.contacts_view(contact_id)
            except NotFound:
                continue
    return [found[i] for i in ids if i in found]


# What each action will do, said on its confirmation page: (a group named, no group
# chosen yet). Lazy, with the number taken from the "count" it is formatted with.
DESCRIPTIONS = {
    ContactActionForm.ADD_TO_GROUP: (
        ngettext_lazy(
            "%(count)s contact will be added to “%(group)s”; its other groups stay as they are.",
            "%(count)s contacts will be added to “%(group)s”; their other groups stay as they are.",
            "count",
        ),
        ngettext_lazy(
            "%(count)s contact will be added to the group chosen below; its other groups stay as "
            "they are.",
            "%(count)s contacts will be added to the group chosen below; their other groups stay "
            "as they are.",
            "count",
        ),
    ),
    ContactActionForm.REMOVE_FROM_GROUP: (
        ngettext_lazy(
            "%(count)s contact will be taken out of “%(group)s”; the contact itself and its other "
            "groups stay.",
            "%(count)s contacts will be taken out of “%(group)s”; the contacts themselves and "
            "their other groups stay.",
            "count",
        ),
        ngettext_lazy(
            "%(count)s contact will be taken out of the group chosen below; the contact itself "
            "and its other groups stay.",
            "%(count)s contacts will be taken out of the group chosen below; the contacts "
            "themselves and their other groups stay.",
            "count",
        ),
    ),
    ContactActionForm.MOVE_TO_GROUP: (
        ngettext_lazy(
            "%(count)s contact will be taken out of every group it is in and put in “%(group)s”.",
            "%(count)s contacts will be taken out of every group they are in and put in "
            "“%(group)s”.",
            "count",
        ),
        ngettext_lazy(
            "%(count)s contact will be taken out of every group it is in and put in the group "
            "chosen below.",
            "%(count)s contacts will be taken out of every group they are in and put in the group "
            "chosen below.",
            "count",
        ),
    ),
    "move_from": (
        ngettext_lazy(
            "%(count)s contact will be moved from “%(source)s” to “%(group)s”; its other groups "
            "stay as they are.",
            "%(count)s contacts will be moved from “%(source)s” to “%(group)s”; their other "
            "groups stay as they are.",
            "count",
        ),
        ngettext_lazy(
            "%(count)s contact will be moved from “%(source)s” to the group chosen below; its "
            "other groups stay as they are.",
            "%(count)s contacts will be moved from “%(source)s” to the group chosen below; their "
            "other groups stay as they are.",
            "count",
        ),
    ),
}


def _description(action: str, group_name: str | None, from_group: str | None, count: int) -> str:
    if action == ContactActionForm.DELETE:
        return ngettext(
            "%(count)s contact will be deleted at SerwerSMS. It is kept in the history and the "
            "trash, and the action can be undone from there.",
            "%(count)s contacts will be deleted at SerwerSMS. Each is kept in the history and "
            "the trash, and the whole action can be undone from there.",
            count,
        ) % {"count": count}
    if action == ContactActionForm.BLACKLIST_ADD:
        return ngettext(
            "The number of %(count)s contact will be put on the blacklist: it gets no messages "
            "from this SerwerSMS account until it is taken off. A number listed already stays "
            "as it is. Each change is kept in the history and can be undone.",
            "The numbers of %(count)s contacts will be put on the blacklist: they get no "
            "messages from this SerwerSMS account until they are taken off. Numbers listed "
            "already stay as they are. Each change is kept in the history and can be undone.",
            count,
        ) % {"count": count}
    if action == ContactActionForm.BLACKLIST_REMOVE:
        return ngettext(
            "The number of %(count)s contact will be taken off the blacklist: it can get "
            "messages again. Each change is kept in the history and can be undone.",
            "The numbers of %(count)s contacts will be taken off the blacklist: they can get "
            "messages again. Each change is kept in the history and can be undone.",
            count,
        ) % {"count": count}
    named, unnamed = DESCRIPTIONS["move_from" if from_group else action]
    return (named if group_name else unnamed) % {
        "count": count,
        "group": group_name,
        "source": from_group,
    }


@login_required
@roles.permission_required(roles.BULK)
@api_client_required
@require_POST
def contact_action(request: HttpRequest, client) -> HttpResponse:
    """POST from the list's action bar: the confirmation page. POST with `post=yes`
    from that page: start the work."""
    filters = list_filters(request)
    query = ContactListQuery.read(QueryDict(filters))
    list_url = back_to_list(request, "contacts_ui:contact_list")
    groups, groups_error = groups_or_error(request, client)
    form = ContactActionForm(request.POST, groups=groups)
    form.is_valid()
    if "action" in form.errors or form.non_field_errors():
        for error in form.non_field_errors() or form.errors["action"]:
            messages.warning(request, error)
        return redirect(list_url)
    action, across = form.cleaned_data["action"], form.cleaned_data["select_across"]
    if across and query["b"]:
        # The API cannot find every contact with the flag in one go: not offered on the list.
        messages.warning(
            request,
            _(
                "Every contact a search finds cannot be chosen while the list is filtered by "
                "the blacklist. Tick the contacts instead."
            ),
        )
        return redirect(list_url)
    error = groups_error if form.needs_group() else None
    if action in (ContactActionForm.REMOVE_FROM_GROUP, ContactActionForm.MOVE_TO_GROUP):
        error = error or provider.refusal_to_take_out_of_groups(client.base_url)
    try:
        if across:
            contacts, count = _matching(client, query)
        else:
            contacts = _ticked(client, request.user, query, form.selected_ids())
            count = len(contacts)
    except SerwerSMSError as exc:
        contacts, count, error = [], 0, exc.message
    except TickedOffThePage:
        messages.warning(
            request,
            _(
                "Many of the ticked contacts are no longer on the page shown (the list has "
                "changed since). Tick them again on the list as it is now."
            ),
        )
        return redirect(list_url)
    shown_group = int(query["g"]) if query["g"] not in ("", "none") else None
    from_group = None
    if action == ContactActionForm.MOVE_TO_GROUP and shown_group:
        from_group = form.group_names.get(shown_group, str(shown_group))
    group_id = form.cleaned_data.get("group_id")
    if from_group and group_id == shown_group:
        form.add_error("group_id", _("Choose a group other than the one shown."))
    confirmed = request.POST.get("post") == "yes"
    promised = request.POST.get("shown_count", "")
    if (
        confirmed
        and across
        and error is None
        and promised.isdigit()
        and int(promised) != count
        and count
    ):
        # The page confirmed said the search finds so many contacts; it now finds another
        # number: not what was confirmed. (Ticked contacts gone since are left out instead:
        # the job names each contact it does.)
        error = ngettext(
            "This now concerns %(count)s contact, not %(promised)s as the page you confirmed "
            "said, so nothing was started. Check and confirm again.",
            "This now concerns %(count)s contacts, not %(promised)s as the page you confirmed "
            "said, so nothing was started. Check and confirm again.",
            count,
        ) % {"count": count, "promised": promised}
    if confirmed and error is None and count and form.is_valid() and form.check_group():
        return _start(request, form, query, contacts, list_url)
    if confirmed and not count and error is None:
        error = _("None of the selected contacts exists any more; nothing was changed.")
    group_name = form.group_names.get(group_id)
    context = {
        "title": _("Are you sure?"),
        "form": form,
        "action": action,
        "action_label": dict(ContactActionForm.ACTIONS)[action],
        "across": across,
        "contacts": contacts[:SHOWN_ON_CONFIRMATION],
        "count": count,
        "more": max(0, count - SHOWN_ON_CONFIRMATION),
        "description": _description(action, group_name, from_group, count),
        "needs_group": form.needs_group(),
        "groups": groups,
        # Removing from a group usually means the group the list shows.
        "selected_group": group_id
        or (shown_group if action == ContactActionForm.REMOVE_FROM_GROUP else None),
        "selected_ids": [contact.id for contact in contacts] if not across else [],
        "error": error,
        **way_back_to_list(request, "contacts_ui:contact_list"),
        "query": query,
    }
    return render(request, "contacts_ui/contact_action_confirm.html", context)


def _start(request, form: ContactActionForm, query: dict, contacts, list_url: str):
    action = form.cleaned_data["action"]
    params = {}
    if form.needs_group():
        group_id = form.cleaned_data["group_id"]
        params = {"group_id": group_id, "group_name": form.group_names[group_id]}
        if action == ContactActionForm.MOVE_TO_GROUP and query["g"] not in ("", "none"):
            params["from_group_id"] = int(query["g"])
    items = []
    if form.cleaned_data["select_across"]:
        params["query"] = {"q": query["q"], "g": query["g"], "o": query["o"]}
    else:
        if action in (ContactActionForm.BLACKLIST_ADD, ContactActionForm.BLACKLIST_REMOVE):
            contacts = kinds.one_per_number(contacts)
        items = [(contact.label, {"id": contact.id}) for contact in contacts]
    title = dict(ContactActionForm.ACTIONS)[action]
    if form.needs_group():
        title = f"{title}: {params['group_name']}"
    job = runner.start(
        request,
        kind=KINDS[action],
        title=title,
        items=items,
        params=params,
        back_url=list_url,
    )
    return redirect("contacts_ui:job_detail", job.pk)


@login_required
@roles.permission_required(roles.BULK)
@api_client_required
@require_GET
def contact_count(request: HttpRequest, client) -> HttpResponse:
    """How many contacts the list's search finds, asked for (by htmx) only once every row
    of the page is ticked, as the admin then offers to select them all: two calls at most,
    which a plain list view does not make."""
    query = ContactListQuery.read(request.GET)
    # The number the list has just said under its rows, when it is known (contact_total).
    count = None if query["b"] else contact_total.cached(request.user, client, query)
    if count is None:
        try:
            _first, count = _matching(client, query)
        except SerwerSMSError:
            count = None
        else:
            if not query["b"]:
                contact_total.remember(request.user, client, query, count)
    context = {"count": count, "filters": request.GET.urlencode()}
    return render(request, "contacts_ui/_contact_select_across.html", context)
