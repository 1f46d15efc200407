import concurrent.futures
from dataclasses import asdict
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from .. import conflicts, group_list, provider, roles
from ..contact_total import cached as cached_total
from ..contact_total import shown_on_page, shown_unknown, shown_when_asked
from ..forms import (
    CONTACT_COLUMNS,
    OPTIONAL_CONTACT_COLUMNS,
    PAGE_SIZES,
    ContactActionForm,
    ContactForm,
    ContactListQuery,
    FindByPhoneForm,
)
from ..history.records import differing, field_label
from ..models import HistoryEntry, ListPreferences
from ..serwersms import (
    CONTACT_FIELDS,
    Group,
    InvalidData,
    NotFound,
    SerwerSMSClient,
    SerwerSMSError,
)
from .shared import (
    FILTERS_PARAM,
    FlaggedPage,
    api_client_required,
    back_to_list,
    back_to_list_with_error,
    contact_look_up,
    contact_page_look_up,
    contacts_flagged,
    groups_named_by_number,
    groups_or_error,
    id_from,
    in_background,
    page_links,
    read_only_unless_editor,
    recorder_for,
    render_partial_or_page,
    respond_redirect,
    way_back_to_list,
    with_filters,
    write_failed,
)

_url = ContactListQuery.url


def _columns(query: dict, shown_extra: list[str]) -> list[dict]:
    columns = []
    for key, heading in CONTACT_COLUMNS:
        if key in OPTIONAL_CONTACT_COLUMNS and key not in shown_extra:
            continue
        sorted_here = query["o"].lstrip("-") == key
        descending = query["o"] == f"-{key}"
        columns.append(
            {
                "key": key,
                "heading": heading,
                "sorted": sorted_here,
                "descending": descending,
                "sort_url": _url(
                    query, o=key if descending or not sorted_here else f"-{key}", p=1, s=0
                ),
            }
        )
    return columns


def _chosen_group_ids(values: list[str]) -> list[int]:
    """The group ids a form carries, as numbers; anything else is left out. (How many a
    request may carry is bounded by Django: DATA_UPLOAD_MAX_NUMBER_FIELDS.)"""
    ids = (id_from(value) for value in values)
    return [group_id for group_id in ids if group_id is not None]


def _picker_groups(groups, error: str | None, chosen_ids: list[int]) -> list[Group]:
    """The group picker's choices. When the group list could not be loaded, the groups
    already chosen stay as choices (named by number), so that the form keeps them."""
    return groups if error is None else groups_named_by_number(chosen_ids)


def _all_groups_beside(request: HttpRequest, client: SerwerSMSClient):
    """The group list, when it must be read: read in the background, beside the
    request's other call, so that the page waits on one round trip, not two. Call
    `.result()` on what it returns for `groups_or_error`'s answer."""
    groups = group_list.listed(request.user, client)
    if groups is None:
        # Not cached: read (not looked up in the cache again) beside the other call.
        return in_background(partial(groups_or_error, request, client, fresh=True))
    done = concurrent.futures.Future()
    done.set_result((groups, None))
    return done


def _group_filter(query: dict, groups, error: str | None) -> tuple[list[dict], str | None]:
    """The filter sidebar's choices (All, In no group, each group with its count)."""
    choices = [
        {"label": _("All"), "url": _url(query, g="", p=1, s=0), "selected": not query["g"]},
        {
            "label": _("In no group"),
            "url": _url(query, g="none", p=1, s=0),
            "selected": query["g"] == "none",
        },
    ]
    if error is not None:
        return choices, error
    for group in groups:
        choices.append(
            {
                "label": f"{group.name} ({group.count})",
                "url": _url(query, g=str(group.id), p=1, s=0),
                "selected": query["g"] == str(group.id),
            }
        )
    return choices, None


def _flag_filter(query: dict) -> list[dict]:
    """The sidebar's blacklist choices: all contacts, those on it, those not."""
    return [
        {"label": label, "url": _url(query, b=value, p=1, s=0), "selected": query["b"] == value}
        for value, label in (
            ("", _("All")),
            ("yes", _("On the blacklist")),
            ("no", _("Not on the blacklist")),
        )
    ]


# Where a page of the contacts list takes its results (see contact_list): a comment that
# no escaped value can hold.
_RESULTS_MARK = mark_safe("<!-- the contact list's results -->")


def _filters_context(query: dict) -> dict:
    """The list's query string as the links around it carry it (a page number included)."""
    filters = _url(query)[1:]
    return {"filters": filters, "retry_url": "?" + filters}


def _paging_urls(query: dict, page) -> dict:
    """The paginator's links: by page number, or (filtered by the blacklist flag) on from
    the last contact looked through."""
    if isinstance(page, FlaggedPage):
        return {
            "next_url": _url(query, s=page.end) if page.more else None,
            "first_url": _url(query, s=0) if page.start else None,
            "previous_url": None,
            "last_url": None,
        }
    return {
        **page_links(_url, query, page),
        "first_url": _url(query, p=1) if page and page.page > 2 else None,
        "last_url": _url(query, p=page.pages) if page and page.page < page.pages - 1 else None,
    }


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
@vary_on_headers("HX-Request")
def contact_list(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    query = ContactListQuery.read(request.GET)
    prefs = ListPreferences.for_user(request.user)
    # An `n` in the URL shows that many without changing the saved preference
    # (nothing changes on GET); the page-size picker posts to contact_page_size.
    page_size = query["n"] or prefs.page_size

    def fetch_page():
        if query["b"]:
            # The API cannot filter by the flag: look through the search's contacts for it.
            return contacts_flagged(client, query, page_size)
        return client.contacts_index(
            **ContactListQuery.search_params(query), page=query["p"], limit=page_size
        )

    # The page's call goes out first. What does not wait on its answer (the sidebar, the
    # columns; for a whole page, everything around the list) is made and rendered while
    # the call is on its way, with a mark where the results go; they are rendered into it
    # once the answer is in. The call's thread does no database work.
    fetched = in_background(fetch_page)
    all_groups = _all_groups_beside(request, client)
    filter_choices, filter_error = _group_filter(query, *all_groups.result())
    partial = render_partial_or_page(request)
    template = "contacts_ui/_contact_results.html" if partial else "contacts_ui/contact_list.html"
    context = {
        "title": _("Contacts"),
        "query": query,
        "columns": _columns(query, prefs.extra_columns),
        "optional_columns": [
            (k, h, k in prefs.extra_columns)
            for k, h in CONTACT_COLUMNS
            if k in OPTIONAL_CONTACT_COLUMNS
        ],
        "filter_choices": filter_choices,
        "filter_error": filter_error,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "actions": ContactActionForm.ACTIONS,
        # The list as it is, at its first page, in the size about to be chosen.
        "page_size_filters": _url(query, n=None, p=1)[1:],
        "filters_param": FILTERS_PARAM,
        "flag_choices": _flag_filter(query),
        **_filters_context(query),
    }
    around = render_to_string(
        template, {**context, "oob": partial, "results_html": _RESULTS_MARK}, request
    )
    # The number of contacts found, if cached (the flag's filter never shows it).
    known_total = None if query["b"] else cached_total(request.user, client, query)

    page, error = None, None
    every_group = query["g"] in (None, "")
    asked_page = query["p"]
    try:
        page = fetched.result()
        if not query["b"] and page.page > page.pages:
            # Past the end (say, the last contact of the last page was deleted): the last page.
            query["p"] = page.pages
            page = fetch_page()
    except InvalidData as exc:
        page, error = None, exc.message
        if every_group and provider.refused_for_want_of_a_group(exc):
            error = provider.list_only_by_group(client.base_url, exc)
    except SerwerSMSError as exc:
        page, error = None, exc.message
    if query["p"] != asked_page:
        # The page asked for was past the end: the links around the list show the last.
        context.update(_filters_context(query))
        around = render_to_string(
            template, {**context, "oob": partial, "results_html": _RESULTS_MARK}, request
        )
    total = None
    if page is not None and not isinstance(page, FlaggedPage):
        total_url = reverse("contacts_ui:contact_total") + "?" + context["filters"]
        total = shown_on_page(
            request.user, client, query, page, page_size, total_url, known=known_total
        )
    results = render_to_string(
        "contacts_ui/_contact_results.html",
        {
            **context,
            "page": page,
            "error": error,
            "flagged": isinstance(page, FlaggedPage),
            "total": total,
            **_paging_urls(query, page),
        },
        request,
    )
    return HttpResponse(around.replace(_RESULTS_MARK, results, 1))


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
@require_GET
@vary_on_headers("HX-Request")
def contact_total(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """How many contacts the list's search finds, asked for by a page of the list that could
    not tell (htmx, once in sight): cached, or read from the last page (one call), then cached."""
    query = ContactListQuery.read(request.GET)
    if not render_partial_or_page(request) or query["b"]:
        # Not a page of its own; and the list filtered by the blacklist flag never asks.
        return redirect(reverse("contacts_ui:contact_list") + _url(query))
    page_size = query["n"] or ListPreferences.for_user(request.user).page_size
    pages = id_from(request.GET.get("pages", "")) or 1
    try:
        total = shown_when_asked(request.user, client, query, page_size, pages)
    except SerwerSMSError:
        # The page's own words stay true: say them again, without asking again.
        total = shown_unknown(client, query, page_size, pages)
    return render(request, "contacts_ui/_contact_total.html", {"total": total})


@login_required
@roles.permission_required(roles.VIEW)
@require_POST
def contact_columns(request: HttpRequest) -> HttpResponse:
    """Remember which optional columns the user wants on the contacts list."""
    prefs = ListPreferences.for_user(request.user)
    prefs.extra_columns = [
        c for c in OPTIONAL_CONTACT_COLUMNS if c in request.POST.getlist("columns")
    ]
    prefs.save()
    return redirect(back_to_list(request, "contacts_ui:contact_list"))


@login_required
@roles.permission_required(roles.VIEW)
@require_POST
def contact_page_size(request: HttpRequest) -> HttpResponse:
    """Remember how many contacts a page of the list shows, then show the list so."""
    offered = {str(size): size for size in PAGE_SIZES}
    size = offered.get(request.POST.get("n", ""))
    if size is not None:
        prefs = ListPreferences.for_user(request.user)
        prefs.page_size = size
        prefs.save()
    else:
        messages.error(request, _("Choose one of the page sizes offered."))
    # A redirect, for htmx too: its request follows it and swaps in the list it finds.
    return redirect(back_to_list(request, "contacts_ui:contact_list"))


# --- Add, change, delete ---------------------------------------------------------


def _render_contact_form(request, form, *, contact_id=None, title, error=None, **extra):
    read_only = read_only_unless_editor(request, form)
    context = {
        "title": _("View contact") if read_only else title,
        "read_only": read_only,
        "form": form,
        "contact_id": contact_id,
        "error": error,
        **way_back_to_list(request, "contacts_ui:contact_list"),
        "media": form.media,
        **extra,
    }
    return render(request, "contacts_ui/contact_form.html", context)


def _save_contact(form: ContactForm, save) -> tuple[int | None, str | None]:
    """Call the API with the valid form: the contact's id, or an error for the form."""
    try:
        return save(form.contact_data(), form.cleaned_data["group_id"]), None
    except InvalidData as exc:
        field_name = form.api_error_field(exc.api_message, exc.code)
        form.add_error(field_name, exc.message)
        return None, None
    except SerwerSMSError as exc:
        return None, write_failed(exc, contact_look_up(form.cleaned_data["phone"]))


def _after_save(request, contact_id: int) -> HttpResponse:
    if "_addanother" in request.POST:
        return redirect(with_filters(reverse("contacts_ui:contact_add"), request))
    if "_continue" in request.POST:
        return redirect(
            with_filters(reverse("contacts_ui:contact_change", args=[contact_id]), request)
        )
    return redirect(back_to_list(request, "contacts_ui:contact_list"))


@login_required
@roles.permission_required(roles.EDIT)
@api_client_required
@require_http_methods(["GET", "POST"])
def contact_add(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    groups, error = groups_or_error(request, client)
    initial = {}
    if group_id := id_from(request.GET.get("g", "")):
        initial["group_id"] = [group_id]
    chosen = _chosen_group_ids(request.POST.getlist("group_id")) or initial.get("group_id", [])
    form = ContactForm(
        request.POST or None, groups=_picker_groups(groups, error, chosen), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        if error is not None and form.cleaned_data["group_id"]:
            # Groups that cannot be listed now cannot be checked either; nothing is sent.
            error = _(
                "%(reason)s The groups could not be loaded, so the contact was not added."
            ) % {"reason": error}
            return _render_contact_form(request, form, title=_("Add contact"), error=error)
        recorder = recorder_for(request, client)
        # The new contact's groups are named in its record.
        recorder.memo.remember_group_names(groups)
        contact_id, error = _save_contact(form, recorder.contacts_add)
        if contact_id is not None:
            messages.success(
                request,
                _("The contact “%(name)s” was added.") % {"name": form.contact_data().display_name},
            )
            return _after_save(request, contact_id)
    return _render_contact_form(request, form, title=_("Add contact"), error=error)


CONTACT_MISSING = gettext_lazy("That contact does not exist (it may have been deleted).")


@login_required
@roles.permission_required(roles.VIEW, post=roles.EDIT)
@api_client_required
@require_http_methods(["GET", "POST"])
def contact_change(request: HttpRequest, client: SerwerSMSClient, contact_id: int) -> HttpResponse:
    list_url = back_to_list(request, "contacts_ui:contact_list")
    all_groups = _all_groups_beside(request, client)
    recorder = recorder_for(request, client)
    try:
        # Read through the recorder's memo: the record before the save costs no call.
        contact = recorder.memo.contact(contact_id)
        memberships = recorder.memo.memberships_of(contact.phone)
    except SerwerSMSError as exc:
        all_groups.result()  # not left running on its own
        if request.method == "POST" and not isinstance(exc, NotFound):
            return _contact_unreadable_on_save(request, client, contact_id, exc)
        return back_to_list_with_error(request, list_url, exc, CONTACT_MISSING)
    groups, error = all_groups.result()
    initial = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    initial["group_id"] = [m.group_id for m in memberships if m.contact_id == contact.id]
    now = conflicts.comparable({**initial, "group_ids": initial["group_id"]})
    data = request.POST.copy() if request.method == "POST" else None
    # The record as this form was shown (None: a form from before this check, or forged).
    opened = conflicts.as_shown(data.get("as_shown", "")) if data is not None else None
    choices, unsettled = _conflict_choices(data) if data is not None else ({}, [])
    if data is not None and not data.get("groups_shown"):
        # The form was shown without the group list (it failed to load): keep
        # the contact's groups rather than take it out of every one.
        data.setlist("group_id", [str(group_id) for group_id in initial["group_id"]])
    if opened is not None:
        for name, choice in choices.items():
            if choice == conflicts.THEIRS:
                data[name] = opened[name]
    chosen = _chosen_group_ids(data.getlist("group_id")) if data else initial["group_id"]
    form = ContactForm(data, groups=_picker_groups(groups, error, chosen), initial=initial)
    if error is not None:
        # Without the group list the picker is empty, and saving would take the
        # contact out of every group; nothing is sent until it can be shown.
        error = _(
            "%(reason)s The groups could not be shown, so the contact cannot be saved now."
        ) % {"reason": error}
    elif (
        request.method == "POST"
        and form.is_valid()
        and (unsettled or (opened is not None and opened != now))
    ):
        # Changed by someone else since the form was shown, or a conflict left unsettled:
        # nothing is sent; the merged form comes back for the person to settle and confirm.
        typed = {**asdict(form.contact_data()), "group_ids": form.cleaned_data["group_id"]}
        # What "when you opened it" means: the record this form was shown with, or, when
        # only a choice is missing, the record the first form was opened on.
        first_opened = conflicts.as_shown(data.get("as_opened", "")) or opened
        base = (opened if opened is not None and opened != now else first_opened) or now
        merge = conflicts.merge(base, typed, now)
        return _render_conflict(request, form, merge, contact.id, groups, unsettled, now, base)
    elif request.method == "POST" and form.is_valid():
        recorder.memo.remember_group_names(groups)
        saved_id, error = _save_contact(
            form, lambda data, group_ids: recorder.contacts_edit(contact.id, data, group_ids)
        )
        if saved_id is not None:
            messages.success(
                request,
                _("The contact “%(name)s” was saved.") % {"name": form.contact_data().display_name},
            )
            return _after_save(request, contact.id)
    return _render_contact_form(
        request,
        form,
        contact_id=contact.id,
        title=_("Change contact"),
        error=error,
        # A form shown again (its input refused) still carries the record it was opened on.
        as_shown=data.get("as_shown", "") if data is not None else conflicts.shown(now),
        blacklisted=contact.blacklist,
    )


def _conflict_choices(data) -> tuple[dict[str, str], list[str]]:
    """A conflict form's settled fields ({field: MINE or THEIRS}), and those not settled."""
    names = [name for name in data.getlist("conflict") if name in CONTACT_FIELDS]
    choices = {name: data.get(f"keep_{name}", "") for name in names}
    unsettled = [name for name, choice in choices.items() if choice not in conflicts.CHOICES]
    return choices, unsettled


def _render_conflict(request, form, merge, contact_id, groups, unsettled, now, base):
    data = form.data.copy()
    for field in merge.fields:
        data[field.name] = field.merged
    data.setlist("group_id", [str(group_id) for group_id in merge.group_ids])
    merged_form = ContactForm(data, groups=groups)
    merged_form.is_valid()
    conflicting = {field.name for field in merge.conflicts}
    for name in unsettled:
        if name in conflicting:
            merged_form.add_error(name, _("Choose which value to keep."))
    names = {group.id: group.name for group in groups}
    # 200, as Django answers a form it sends back to be corrected.
    return _render_contact_form(
        request,
        merged_form,
        contact_id=contact_id,
        title=_("Change contact"),
        error=_(
            "Someone changed this contact since you opened it, so nothing was sent. Your "
            "changes are merged with theirs below; where you both changed a field, choose "
            "which value to keep. Then save again."
        ),
        as_shown=conflicts.shown(now),
        conflict=merge,
        conflict_rows=[
            (merged_form.fields[field.name].label, field)
            for field in merge.fields
            if field.now != field.opened or field.typed != field.opened
        ],
        conflict_groups=[
            _group_names(ids, names) or "—"
            for ids in (merge.groups_opened, merge.groups_now, merge.groups_typed, merge.group_ids)
        ]
        if merge.groups_now != merge.groups_opened or merge.groups_typed != merge.groups_opened
        else [],
        as_opened=conflicts.shown(base),
    )


def _contact_unreadable_on_save(request, client, contact_id: int, exc) -> HttpResponse:
    """Saving, the contact could not be read first: nothing is sent; the form comes back."""
    groups, groups_error = groups_or_error(request, client)
    if request.POST.get("groups_shown"):
        picker = _picker_groups(
            groups, groups_error, _chosen_group_ids(request.POST.getlist("group_id"))
        )
    else:
        # The picker was not shown, so its groups were not chosen; none is offered now
        # either, and the next save keeps the contact's groups (see contact_change).
        picker = []
    form = ContactForm(request.POST, groups=picker)
    error = _("%(reason)s The contact could not be read, so nothing was saved.") % {
        "reason": exc.message
    }
    return _render_contact_form(
        request,
        form,
        contact_id=contact_id,
        title=_("Change contact"),
        error=error,
        as_shown=request.POST.get("as_shown", ""),
    )


@login_required
@roles.permission_required(roles.EDIT)
@api_client_required
@require_http_methods(["GET", "POST"])
def contact_delete(request: HttpRequest, client: SerwerSMSClient, contact_id: int) -> HttpResponse:
    list_url = back_to_list(request, "contacts_ui:contact_list")
    recorder = recorder_for(request, client)
    try:
        contact = recorder.memo.contact(contact_id)
        now = conflicts.comparable(recorder.memo.contact_record(contact_id))
    except SerwerSMSError as exc:
        return back_to_list_with_error(request, list_url, exc, CONTACT_MISSING)
    groups, _groups_error = groups_or_error(request, client)
    recorder.memo.remember_group_names(groups)
    names = {group.id: group.name for group in groups}
    name = contact.display_name
    error, changes = None, []
    if request.method == "POST":
        # The contact as this page showed it (None: a page from before this check).
        shown = conflicts.as_shown(request.POST.get("as_shown", ""))
        if shown is not None and shown != now:
            # A colleague changed it meanwhile: what the person confirmed is not what
            # would be deleted. Nothing is sent; the page shows what changed.
            error = _(
                "Someone changed this contact since this page was shown, so it was not "
                "deleted. Check what changed and confirm again."
            )
            changes = _changes_since(shown, now, names)
        else:
            try:
                recorder.contacts_delete(contact.id)
            except SerwerSMSError as exc:
                error = write_failed(exc, contact_look_up(contact.phone))
            else:
                messages.success(request, _("The contact “%(name)s” was deleted.") % {"name": name})
                return respond_redirect(request, list_url)
    context = {
        "title": _("Delete contact"),
        "contact": contact,
        "name": name,
        "group_names": _group_names(now["group_ids"], names),
        "as_shown": conflicts.shown(now),
        "error": error,
        "changes": changes,
        **way_back_to_list(request, "contacts_ui:contact_list"),
        "change_url": with_filters(
            reverse("contacts_ui:contact_change", args=[contact.id]), request
        ),
    }
    return render(request, "contacts_ui/contact_confirm_delete.html", context)


def _group_names(group_ids, names: dict[int, str]) -> str:
    return ", ".join(sorted(names.get(i, str(i)) for i in group_ids))


def _changes_since(shown: dict, now: dict, names: dict[int, str]) -> list[tuple[str, str, str]]:
    """What changed since a page was shown: (field's label, as shown, now), by field."""
    changes = []
    for field, was, is_now in differing(shown, now, [*CONTACT_FIELDS, "group_ids"]):
        if field == "group_ids":
            was, is_now = _group_names(was, names), _group_names(is_now, names)
        changes.append((field_label(HistoryEntry.CONTACT, field), was or "—", is_now or "—"))
    return changes


@login_required
@roles.permission_required(roles.EDIT)
@api_client_required
@require_POST
def contact_delete_row(
    request: HttpRequest, client: SerwerSMSClient, contact_id: int
) -> HttpResponse:
    """Delete from the list's row, confirmed in the browser: the row goes away in place,
    unless a colleague changed the contact since the list was read."""
    recorder = recorder_for(request, client)
    shown = request.GET.get("s")
    try:
        # Read through the recorder's memo: the record before the deletion costs no call.
        contact = recorder.memo.contact(contact_id)
        if shown and shown != conflicts.fields_fingerprint(contact):
            return render(
                request,
                "contacts_ui/_contact_row_error.html",
                {
                    "contact_id": contact_id,
                    "error": _(
                        "Someone changed this contact since the list was shown, so it was not "
                        "deleted. Open it to see what changed."
                    ),
                    "changed": True,
                },
            )
        recorder.contacts_delete(contact_id)
    except SerwerSMSError as exc:
        context = {
            "contact_id": contact_id,
            "error": write_failed(exc, contact_page_look_up(contact_id)),
        }
        return render(request, "contacts_ui/_contact_row_error.html", context)
    # An empty answer, swapped for the row, takes the row away; the page's live region
    # says what happened (static/contacts_ui/app.js).
    response = HttpResponse("")
    deleted = _("The contact “%(name)s” was deleted.") % {"name": contact.display_name}
    return trigger_client_event(response, "announce", {"message": deleted})


# --- Find by phone ----------------------------------------------------------------


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
def find_by_phone(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    form = FindByPhoneForm(request.GET or None)
    memberships, error = None, None
    if form.is_bound and form.is_valid():
        try:
            memberships = client.groups_check(form.cleaned_data["phone"])
        except SerwerSMSError as exc:
            error = exc.message
    context = {
        "title": _("Find by phone"),
        "form": form,
        "memberships": memberships,
        "error": error,
    }
    return render(request, "contacts_ui/find_by_phone.html", context)
