"""The cleanup page: what the latest scan of the account found, and the fix for each.

Reading a whole account is many calls, so the scan is a background job
(contacts_ui.jobs.runner), as are the fixes that touch many records (deleting groups,
adding contacts to a group, merging groups). Merging a few duplicate contacts is a
handful of calls and happens within the request.

Every fix says what it will do before it does it. Fixes chosen by ticking boxes
follow the admin's actions: the ticked boxes are posted, the confirmation page
answers, and posting that page (with `post=yes`) does it. Merges are reviewed and
confirmed on GET pages whose URLs name the records, then carried out on POST.
"""

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from .. import roles
from ..history.records import field_label
from ..jobs import runner
from ..models import HistoryEntry, Job
from ..serwersms import CONTACT_FIELDS, NotFound, SerwerSMSClient, SerwerSMSError
from ..views.shared import (
    api_client_required,
    contact_page_look_up,
    id_from,
    recorder_for,
    write_failed,
)
from . import detectors, merges
from .forms import EmptyGroupsForm, GroupMergeForm, KeepForm, UngroupedForm

SCAN = Job.Kind.ACCOUNT_SCAN
# The most records one review compares (a set found by the scan is rarely more than a few):
# as many as a finding names.
MOST_IN_A_SET = detectors.MOST_IN_A_SET


# --- Helpers --------------------------------------------------------------------------


def _latest_findings(user) -> tuple[Job | None, dict | None]:
    """The user's latest finished scan and what it found (None when there is none, or
    when it was stored in an older shape)."""
    job = Job.objects.filter(user=user, kind=SCAN, state=Job.State.DONE).first()
    found = job.result if job else None
    if not isinstance(found, dict) or found.get("version") != detectors.FINDINGS_VERSION:
        return job, None
    return job, found


def _ids(data) -> list[int]:
    """The record ids a request names (`id`, repeated), each once, in order."""
    ids = (id_from(value) for value in data.getlist("id"))
    return list(dict.fromkeys(i for i in ids if i is not None))[:MOST_IN_A_SET]


def _ids_url(url_name: str, ids, **extra) -> str:
    return f"{reverse(url_name)}?{urlencode([('id', i) for i in ids] + list(extra.items()))}"


def _with_review_urls(found: dict) -> dict:
    """The findings, each set with the address of its review page."""
    found = dict(found)
    for key, url_name in (
        ("phone_duplicates", "contacts_ui:cleanup_merge_contacts"),
        ("person_duplicates", "contacts_ui:cleanup_merge_contacts"),
    ):
        found[key] = [
            {**item, "review_url": _ids_url(url_name, [c["id"] for c in item["contacts"]])}
            for item in found.get(key, [])
        ]
    found["similar_groups"] = [
        {
            "groups": groups,
            "review_url": _ids_url("contacts_ui:cleanup_merge_groups", [g["id"] for g in groups]),
        }
        for groups in found.get("similar_groups", [])
    ]
    return found


def _render_cleanup(
    request: HttpRequest, *, group_form=None, ungrouped_form=None, error=None
) -> HttpResponse:
    """The cleanup page; a fix that could not go on comes back to it with its ticks kept."""
    job, found = _latest_findings(request.user)
    newest = Job.objects.filter(user=request.user, kind=SCAN).first()
    context = {
        "title": _("Tidy up"),
        "job": job,
        "found": _with_review_urls(found) if found else None,
        "outdated": job is not None and found is None,
        "running": newest if newest and not newest.finished else None,
        "stopped": newest if newest and newest.state == Job.State.STOPPED else None,
        "error": error,
        "group_form": group_form,
        "ungrouped_form": ungrouped_form,
        # Every empty group is ticked at first: they are what the finding is about.
        "ticked_groups": _ticked(group_form, "id")
        if group_form
        else {str(g["id"]) for g in (found or {}).get("empty_groups", [])},
        "ticked_contacts": _ticked(ungrouped_form, "id"),
        "chosen_group": _ticked(ungrouped_form, "group_id"),
        "contacts_in_no_group_url": reverse("contacts_ui:contact_list") + "?g=none",
    }
    return render(request, "contacts_ui/cleanup.html", context)


def _ticked(form, name) -> set[str]:
    """The values a posted form carried for a field, to tick them again."""
    return set(form.data.getlist(name)) if form is not None else set()


def _checked(form, name: str, suggested) -> str:
    """The radio button to show chosen: the one posted, else the one suggested."""
    if form.is_bound:
        return form.data.get(name, "")
    return "" if suggested is None else str(suggested)


def _no_findings(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Look for what needs tidying first."))
    return redirect("contacts_ui:cleanup")


def _to_job(job: Job) -> HttpResponse:
    return redirect("contacts_ui:job_detail", job.pk)


def _start_fix(request: HttpRequest, kind: str, title: str, **work) -> HttpResponse:
    """Start a fix (or the scan) as a background job that leads back here; show its page."""
    job = runner.start(
        request, kind=kind, title=title, back_url=reverse("contacts_ui:cleanup"), **work
    )
    return _to_job(job)


# --- The page and the scan --------------------------------------------------------------


@login_required
@roles.permission_required(roles.CLEANUP)
@api_client_required
def cleanup_page(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    # The page shows a stored scan and calls nothing; api_client_required sends a user
    # without credentials to enter them before they look for anything.
    return _render_cleanup(request)


@login_required
@roles.permission_required(roles.CLEANUP)
@api_client_required
@require_POST
def cleanup_scan(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    running = (
        Job.objects.filter(user=request.user, kind=SCAN)
        .exclude(state__in=[Job.State.DONE, Job.State.CANCELLED, Job.State.STOPPED])
        .first()
    )
    if running is not None:
        messages.info(request, _("A scan is under way already; here it is."))
        return _to_job(running)
    return _start_fix(request, SCAN, _("Look for what needs tidying"))


# --- Empty groups ------------------------------------------------------------------------


@login_required
@roles.permission_required(roles.CLEANUP)
@api_client_required
@require_POST
def cleanup_delete_groups(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """Delete the ticked empty groups: a confirmation first, then a job."""
    _job, found = _latest_findings(request.user)
    if found is None:
        return _no_findings(request)
    form = EmptyGroupsForm(request.POST, groups=found["empty_groups"])
    if not form.is_valid():
        return _render_cleanup(request, group_form=form)
    ticked = form.cleaned_data["id"]
    try:
        now = detectors.read_groups(client)
    except SerwerSMSError as exc:
        return _render_cleanup(request, group_form=form, error=exc.message)
    names = {g["id"]: g["name"] for g in found["empty_groups"]}
    deletable = [now[i] for i in ticked if i in now and now[i].count == 0]
    confirmed = request.POST.get("post") == "yes"
    if confirmed and deletable and [g.id for g in deletable] == ticked:
        return _start_fix(
            request,
            Job.Kind.GROUP_DELETE,
            ngettext(
                "Delete %(count)s empty group", "Delete %(count)s empty groups", len(deletable)
            )
            % {"count": len(deletable)},
            items=[(group.name, {"id": group.id}) for group in deletable],
        )
    context = {
        "title": _("Delete empty groups"),
        "groups": deletable,
        "not_empty": [now[i] for i in ticked if i in now and now[i].count],
        "gone": [names[i] for i in ticked if i not in now],
        # Confirmed, but the groups are not as the confirmation showed them.
        "changed": confirmed,
    }
    return render(request, "contacts_ui/cleanup_confirm_delete_groups.html", context)


# --- Contacts in no group ----------------------------------------------------------------


@login_required
@roles.permission_required(roles.CLEANUP)
@api_client_required
@require_POST
def cleanup_add_to_group(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """Add the ticked contacts (in no group) to a group: a confirmation first, then a job."""
    _job, found = _latest_findings(request.user)
    if found is None:
        return _no_findings(request)
    form = UngroupedForm(request.POST, contacts=found["ungrouped"], groups=found["groups"])
    if not form.is_valid():
        return _render_cleanup(request, ungrouped_form=form)
    try:
        group = detectors.read_groups(client).get(form.cleaned_data["group_id"])
    except SerwerSMSError as exc:
        return _render_cleanup(request, ungrouped_form=form, error=exc.message)
    if group is None:
        form.add_error("group_id", _("That group no longer exists; choose another."))
        return _render_cleanup(request, ungrouped_form=form)
    ticked = set(form.cleaned_data["id"])
    chosen = [c for c in found["ungrouped"] if c["id"] in ticked]
    if request.POST.get("post") == "yes":
        return _start_fix(
            request,
            Job.Kind.CONTACT_ADD_TO_GROUP,
            ngettext(
                "Add %(count)s contact to “%(group)s”",
                "Add %(count)s contacts to “%(group)s”",
                len(chosen),
            )
            % {"count": len(chosen), "group": group.name},
            items=[(c["label"], {"id": c["id"]}) for c in chosen],
            params={"group_id": group.id, "group_name": group.name},
        )
    context = {"title": _("Add contacts to a group"), "contacts": chosen, "group": group}
    return render(request, "contacts_ui/cleanup_confirm_add_to_group.html", context)


# --- Duplicate contacts ----------------------------------------------------------------
# Three steps at one address, as the admin's delete confirmation: review the contacts side
# by side (GET), confirm the merged result (GET with `keep`), perform the merge (POST with
# `keep` and the plan's digest). Each step reads the contacts afresh.


def _columns(found: list[merges.FreshContact]) -> list[dict]:
    """The contacts side by side: one column each."""
    return [
        {
            "id": fresh.id,
            "label": fresh.contact.display_name,
            "groups": list(fresh.groups.values()),
            "blacklist": fresh.contact.blacklist,
        }
        for fresh in found
    ]


def _comparison(found: list[merges.FreshContact]) -> list[dict]:
    """The rows of the side-by-side table: each field, with each contact's value."""
    return [
        {
            "label": field_label(HistoryEntry.CONTACT, name),
            "values": [getattr(f.contact, name) for f in found],
        }
        for name in CONTACT_FIELDS
    ]


def _fullest(found: list[merges.FreshContact]) -> int:
    """The contact suggested for keeping: the one with the most fields filled in."""
    return max(
        found,
        key=lambda f: (sum(bool(getattr(f.contact, n).strip()) for n in CONTACT_FIELDS), -f.id),
    ).id


def _merged_rows(plan: merges.MergePlan) -> list[dict]:
    """The merged contact, field by field, naming where a value comes from when not kept."""
    rows = []
    for name in CONTACT_FIELDS:
        value = getattr(plan.data, name)
        source = None
        if value != getattr(plan.keep.contact, name):
            source = next(
                (o.contact.display_name for o in plan.others if getattr(o.contact, name) == value),
                None,
            )
        rows.append(
            {"label": field_label(HistoryEntry.CONTACT, name), "value": value, "from": source}
        )
    return rows


def _read_duplicates(request: HttpRequest, memo, data):
    """The contacts a merge names, read afresh, and the ids no longer there; or, when
    there is nothing to merge or they cannot be read, the response that says so."""
    ids = _ids(data)
    if len(ids) < 2:
        messages.error(request, _("Choose at least two contacts to compare."))
        return redirect("contacts_ui:cleanup")
    try:
        found, missing = merges.read_contacts(memo, ids)
    except SerwerSMSError as exc:
        if request.method == "POST":
            messages.error(
                request,
                _("%(reason)s The contacts could not be read, so nothing was changed.")
                % {"reason": exc.message},
            )
            return redirect(
                _ids_url("contacts_ui:cleanup_merge_contacts", ids, keep=data.get("keep", ""))
            )
        messages.error(request, exc.message)
        return redirect("contacts_ui:cleanup")
    if len(found) < 2:
        messages.info(
            request,
            _("Of these contacts only one is left (the others were deleted): nothing to merge."),
        )
        return redirect("contacts_ui:cleanup")
    return found, missing


def _review_context(found: list[merges.FreshContact], missing: list[int], form) -> dict:
    found_ids = [fresh.id for fresh in found]
    return {
        "title": _("Merge duplicate contacts"),
        "found": found,
        "ids": found_ids,
        "missing": missing,
        "form": form,
        "columns": _columns(found),
        "rows": _comparison(found),
        "checked": _checked(form, "keep", _fullest(found)),
        "review_url": _ids_url("contacts_ui:cleanup_merge_contacts", found_ids),
    }


def _confirm_context(plan: merges.MergePlan) -> dict:
    return {
        "plan": plan,
        "merged_rows": _merged_rows(plan),
        "dropped": [
            (contact.display_name, field_label(HistoryEntry.CONTACT, name), value)
            for contact, name, value in plan.dropped
        ],
        # The blacklist is the account's, by number: deleting these contacts leaves their
        # numbers on it; the kept contact's number is on it only if it is listed itself.
        "blacklisted_others": [
            f"{o.contact.display_name} ({o.contact.phone})"
            for o in plan.others
            if o.contact.blacklist and not plan.keep.contact.blacklist
        ],
        "keep_id": plan.keep.id,
        "keep_phone": plan.keep.contact.phone,
        "digest": plan.digest(),
        "merge_fields": [("keep", plan.keep.id), ("plan", plan.digest())],
        "kept": plan.keep.contact.display_name,
        "deleting": [
            {"label": o.contact.display_name, "phone": o.contact.phone} for o in plan.others
        ],
    }


def _merge_done_message(plan: merges.MergePlan, result: merges.MergeResult) -> str:
    """What the merge did, for the cleanup page (a link where a deletion's outcome is unknown)."""
    context = {
        # The kept contact named as it is now.
        "kept": plan.data.display_name,
        "deleted": [contact.display_name for contact in result.deleted],
        "not_deleted": [
            {
                "name": contact.display_name,
                "reason": write_failed(exc, contact_page_look_up(contact.id)),
            }
            for contact, exc in result.not_deleted
        ],
    }
    return render_to_string("contacts_ui/_cleanup_merge_done.html", context).strip()


def _review_duplicates(request: HttpRequest, context: dict) -> HttpResponse:
    return render(request, "contacts_ui/cleanup_contacts_review.html", context)


def _confirm_merge(request: HttpRequest, context: dict) -> HttpResponse:
    return render(request, "contacts_ui/cleanup_contacts_confirm_merge.html", context)


def _perform_merge(request: HttpRequest, recorder, plan: merges.MergePlan, context: dict):
    """The kept contact updated, and only then the others deleted; or, when the contacts
    changed since the confirmation was shown or the update failed, the confirmation again."""
    if request.POST.get("plan") != context["digest"]:
        context["changed_since"] = True
        return _confirm_merge(request, context)
    result = merges.merge_contacts(recorder, plan)
    if result.edit_error is not None:
        context["edit_error"] = write_failed(result.edit_error, contact_page_look_up(plan.keep.id))
        return _confirm_merge(request, context)
    level = messages.WARNING if result.not_deleted else messages.SUCCESS
    messages.add_message(request, level, _merge_done_message(plan, result))
    return redirect("contacts_ui:cleanup")


@login_required
@roles.permission_required(roles.CLEANUP)
@api_client_required
@require_http_methods(["GET", "POST"])
def cleanup_merge_contacts(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """Duplicate contacts: review (GET), confirm (GET with `keep`), perform (POST)."""
    data = request.POST if request.method == "POST" else request.GET
    # The merge's writes share one batch, to be undone as one.
    recorder = recorder_for(request, client, batch=uuid.uuid4())
    read = _read_duplicates(request, recorder.memo, data)
    if isinstance(read, HttpResponse):
        return read
    found, missing = read
    form = KeepForm(data if "keep" in data else None, ids=[fresh.id for fresh in found])
    context = _review_context(found, missing, form)
    if not form.is_valid():
        return _review_duplicates(request, context)
    plan = merges.merge_plan(found, form.cleaned_data["keep"])
    context.update(_confirm_context(plan))
    if request.method == "POST":
        return _perform_merge(request, recorder, plan, context)
    return _confirm_merge(request, context)


# --- Groups with nearly the same name ---------------------------------------------------
# The same three steps: review the groups (GET), confirm which is merged into which (GET
# with `keep`), perform the merge (POST: a job moves every contact, then deletes the group).


def _read_similar_groups(request: HttpRequest, client: SerwerSMSClient, data):
    """The groups a merge names, read afresh, and the ids no longer there; or, when there
    is nothing to merge or they cannot be read, the response that says so."""
    ids = _ids(data)
    if len(ids) < 2:
        messages.error(request, _("Choose at least two groups to merge."))
        return redirect("contacts_ui:cleanup")
    groups, missing = [], []
    try:
        for group_id in ids:
            try:
                groups.append(client.groups_view(group_id))
            except NotFound:
                missing.append(group_id)
    except SerwerSMSError as exc:
        messages.error(request, exc.message)
        if request.method == "POST":
            return redirect(
                _ids_url(
                    "contacts_ui:cleanup_merge_groups",
                    ids,
                    keep=data.get("keep", ""),
                    merge=data.get("merge", ""),
                )
            )
        return redirect("contacts_ui:cleanup")
    if len(groups) < 2:
        messages.info(
            request,
            _("Of these groups only one is left (the others were deleted): nothing to merge."),
        )
        return redirect("contacts_ui:cleanup")
    return groups, missing


def _review_groups(request: HttpRequest, context: dict) -> HttpResponse:
    return render(request, "contacts_ui/cleanup_groups_review.html", context)


def _confirm_group_merge(request: HttpRequest, context: dict) -> HttpResponse:
    return render(request, "contacts_ui/cleanup_groups_confirm_merge.html", context)


def _perform_group_merge(request: HttpRequest, source, target) -> HttpResponse:
    return _start_fix(
        request,
        Job.Kind.GROUP_MERGE,
        _("Merge “%(source)s” into “%(target)s”") % {"source": source.name, "target": target.name},
        params={
            "source_id": source.id,
            "source_name": source.name,
            "target_id": target.id,
            "target_name": target.name,
        },
    )


@login_required
@roles.permission_required(roles.CLEANUP)
@api_client_required
@require_http_methods(["GET", "POST"])
def cleanup_merge_groups(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """Groups whose names differ only by case, spacing or diacritics: review (GET), confirm
    (GET with `keep`), perform (POST, a job)."""
    data = request.POST if request.method == "POST" else request.GET
    read = _read_similar_groups(request, client, data)
    if isinstance(read, HttpResponse):
        return read
    groups, missing = read
    group_ids = [g.id for g in groups]
    form = GroupMergeForm(data if "keep" in data else None, ids=group_ids)
    context = {
        "title": _("Merge groups"),
        "groups": groups,
        "ids": group_ids,
        "missing": missing,
        "form": form,
        # Suggested: keep the group with the most contacts.
        "checked": _checked(form, "keep", max(groups, key=lambda g: (g.count, -g.id)).id),
        "checked_merge": _checked(form, "merge", None),
        "review_url": _ids_url("contacts_ui:cleanup_merge_groups", group_ids),
    }
    if not form.is_valid():
        return _review_groups(request, context)
    by_id = {g.id: g for g in groups}
    target, source = by_id[form.cleaned_data["keep"]], by_id[form.cleaned_data["merge"]]
    context.update(
        {
            "target": target,
            "source": source,
            # What the confirmation promises: so many contacts moved.
            "merge_fields": [("keep", target.id), ("merge", source.id), ("count", source.count)],
        }
    )
    promised = data.get("count", "")
    if request.method == "POST" and promised.isdigit() and int(promised) != source.count:
        context["changed_since"] = ngettext(
            "“%(group)s” now holds %(count)s contact, not %(promised)s as the page you "
            "confirmed said, so nothing was started. Check and confirm again.",
            "“%(group)s” now holds %(count)s contacts, not %(promised)s as the page you "
            "confirmed said, so nothing was started. Check and confirm again.",
            source.count,
        ) % {"group": source.name, "count": source.count, "promised": promised}
        return _confirm_group_merge(request, context)
    if request.method == "POST":
        return _perform_group_merge(request, source, target)
    return _confirm_group_merge(request, context)
