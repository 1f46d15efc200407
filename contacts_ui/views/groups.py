from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from .. import roles
from ..forms import GroupDeleteForm, GroupForm, GroupListQuery
from ..jobs import runner
from ..models import Job
from ..serwersms import InvalidData, NotFound, SerwerSMSClient, SerwerSMSError
from .shared import (
    api_client_required,
    back_to_list,
    back_to_list_with_error,
    group_look_up,
    page_links,
    read_only_unless_editor,
    recorder_for,
    render_partial_or_page,
    respond_redirect,
    way_back_to_list,
    write_failed,
)

GROUPS_PER_PAGE = 50
GROUP_MISSING = gettext_lazy("That group does not exist (it may have been deleted).")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The contacts list; for someone given no role yet, their credentials page, saying so."""
    if roles.may(request.user, roles.VIEW):
        return redirect("contacts_ui:contact_list")
    messages.info(
        request,
        _(
            "You have no role here yet, so you may only enter your own API credentials. "
            "Ask whoever manages people in this application (a superuser) to give you one."
        ),
    )
    return redirect("contacts_ui:credentials")


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
@vary_on_headers("HX-Request")
def group_list(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    query = GroupListQuery.read(request.GET)
    page, error = None, None
    try:
        page = client.groups_index(
            search=query["q"],
            sort="name",
            order="desc" if query["o"] == "-name" else "asc",
            page=query["p"],
            limit=GROUPS_PER_PAGE,
        )
    except SerwerSMSError as exc:
        error = exc.message
    url = GroupListQuery.url
    context = {
        "title": _("Groups"),
        "page": page,
        "error": error,
        "query": query,
        "search": query["q"],
        "filters": url(query)[1:],
        "retry_url": url(query),
        "sort_url": url(query, o="-name" if query["o"] == "name" else "name", p=1),
        **page_links(url, query, page),
    }
    template = (
        "contacts_ui/_group_table.html"
        if render_partial_or_page(request)
        else "contacts_ui/group_list.html"
    )
    return render(request, template, context)


def _render_group_form(
    request, form, *, group=None, error=None, changing=None, shown_name=None
) -> HttpResponse:
    read_only = read_only_unless_editor(request, form)
    title = _("Change group") if (group or changing) else _("Add group")
    context = {
        "title": _("View group") if read_only else title,
        "read_only": read_only,
        "form": form,
        "group": group,
        "error": error,
        "shown_name": shown_name,
        **way_back_to_list(request, "contacts_ui:group_list"),
    }
    template = "contacts_ui/_group_form.html" if render_partial_or_page(request) else None
    return render(request, template or "contacts_ui/group_form.html", context)


def _save_group(request, form, save) -> str | None:
    """Call the API with the valid form; an error for the form, or None when saved."""
    try:
        save(form.cleaned_data["name"])
    except InvalidData as exc:
        form.add_error("name", exc.api_message or exc.message)
    except SerwerSMSError as exc:
        return write_failed(exc, group_look_up(form.cleaned_data["name"]))
    return None


@login_required
@roles.permission_required(roles.EDIT)
@api_client_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def group_add(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    form = GroupForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        error = _save_group(request, form, recorder_for(request, client).groups_add)
        if error is None and form.is_valid():
            name = form.cleaned_data["name"]
            messages.success(request, _("The group “%(name)s” was added.") % {"name": name})
            if "_addanother" in request.POST:
                return respond_redirect(request, request.get_full_path())
            return respond_redirect(request, back_to_list(request, "contacts_ui:group_list"))
    return _render_group_form(request, form, error=error)


@login_required
@roles.permission_required(roles.VIEW, post=roles.EDIT)
@api_client_required
@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def group_change(request: HttpRequest, client: SerwerSMSClient, group_id: int) -> HttpResponse:
    recorder = recorder_for(request, client)
    try:
        # Read through the recorder's memo: the record before the save costs no call.
        group = recorder.memo.group(group_id)
    except NotFound as exc:
        list_url = back_to_list(request, "contacts_ui:group_list")
        return back_to_list_with_error(request, list_url, exc, GROUP_MISSING)
    except SerwerSMSError as exc:
        # Whatever was typed stays in the form.
        return _render_group_form(
            request, GroupForm(request.POST or None), error=exc.message, changing=True
        )
    form = GroupForm(request.POST or None, initial={"name": group.name})
    error = None
    # The name as the form was shown: a rename by someone else since is not overwritten unseen.
    shown_name = request.POST.get("shown_name") if request.method == "POST" else group.name
    if request.method == "POST" and form.is_valid() and shown_name not in (None, group.name):
        error = _(
            "Someone renamed this group to “%(now)s” since you opened it, so nothing was "
            "sent. Save again to rename it to “%(typed)s”."
        ) % {"now": group.name, "typed": form.cleaned_data["name"]}
        # 200, not 409: the form is swapped in by htmx, which leaves a 4xx answer unshown.
        return _render_group_form(request, form, group=group, error=error, shown_name=group.name)
    if request.method == "POST" and form.is_valid():
        error = _save_group(request, form, lambda name: recorder.groups_edit(group.id, name))
        if error is None and form.is_valid():
            name = form.cleaned_data["name"]
            messages.success(request, _("The group “%(name)s” was saved.") % {"name": name})
            if "_continue" in request.POST:
                return respond_redirect(request, request.get_full_path())
            return respond_redirect(request, back_to_list(request, "contacts_ui:group_list"))
    # Shown again after a failure, the form carries the name it was first shown with.
    return _render_group_form(request, form, group=group, error=error, shown_name=shown_name)


def _delete_in_background(request, group, delete_contacts: bool, list_url: str):
    if delete_contacts:
        title = _("Delete the group “%(name)s” and its %(count)s contacts")
    else:
        title = _("Delete the group “%(name)s” (its %(count)s contacts are kept)")
    job = runner.start(
        request,
        kind=Job.Kind.GROUP_DELETE,
        title=title % {"name": group.name, "count": group.count},
        items=[(group.name, {"id": group.id, "delete_contacts": delete_contacts})],
        params={"members": group.count},
        back_url=list_url,
        always_queued=True,
    )
    return respond_redirect(request, reverse("contacts_ui:job_detail", args=[job.pk]))


@login_required
@roles.permission_required(roles.EDIT)
@api_client_required
@require_http_methods(["GET", "POST"])
def group_delete(request: HttpRequest, client: SerwerSMSClient, group_id: int) -> HttpResponse:
    list_url = back_to_list(request, "contacts_ui:group_list")
    recorder = recorder_for(request, client)
    try:
        group = recorder.memo.group(group_id)
    except SerwerSMSError as exc:
        return back_to_list_with_error(request, list_url, exc, GROUP_MISSING)

    error, delete_contacts = None, False
    if request.method == "POST":
        form = GroupDeleteForm(request.POST)
        form.is_valid()
        delete_contacts = bool(form.cleaned_data.get("delete_contacts"))
        if delete_contacts:
            # Emptying a group of its contacts is a Manager's; the choice is not offered else.
            roles.refuse_unless(request.user, roles.DELETE_GROUP_WITH_CONTACTS)
        shown_count = request.POST.get("shown_count", "")
        promised = int(shown_count) if shown_count.isdigit() else None
        if delete_contacts and promised is not None and promised != group.count:
            # The page promised to delete so many contacts: more or fewer now is not what
            # was confirmed.
            error = ngettext(
                "The group now holds %(count)s contact, not %(promised)s as the page you "
                "confirmed said, so nothing was deleted. Check and confirm again.",
                "The group now holds %(count)s contacts, not %(promised)s as the page you "
                "confirmed said, so nothing was deleted. Check and confirm again.",
                group.count,
            ) % {"count": group.count, "promised": promised}
        elif group.count > runner.INLINE_ITEMS:
            # Recording who was in it (to undo the deletion) reads every member: work
            # that grows with the group, for the task worker.
            return _delete_in_background(request, group, delete_contacts, list_url)
        else:
            try:
                recorder.groups_delete(group.id, delete_contacts=delete_contacts)
            except SerwerSMSError as exc:
                error = write_failed(exc, group_look_up(group.name))
        if error is None:
            if delete_contacts:
                text = _("The group “%(name)s” and its %(count)s contacts were deleted.")
            else:
                text = _("The group “%(name)s” was deleted; its %(count)s contacts were kept.")
            messages.success(request, text % {"name": group.name, "count": group.count})
            return respond_redirect(request, list_url)
    context = {
        "title": _("Delete group"),
        "group": group,
        # A failed deletion comes back with the choice as it was made.
        "delete_contacts": delete_contacts,
        "in_background": group.count > runner.INLINE_ITEMS,
        "error": error,
        **way_back_to_list(request, "contacts_ui:group_list"),
        "change_url": reverse("contacts_ui:group_change", args=[group.id]),
    }
    return render(request, "contacts_ui/group_confirm_delete.html", context)
