"""The account's blacklist (do-not-text): the numbers on it, a number put on it or taken
off it, and a contact's number stopped or allowed again from the contact's page.

Each change goes through the WriteRecorder (recorded in the history, undoable) and is
read back before it is reported done (blacklist/check)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .. import roles
from ..forms import BlacklistNumberForm, BlacklistQuery
from ..serwersms import SerwerSMSClient, SerwerSMSError
from .shared import (
    api_client_required,
    back_to_list_with_error,
    page_links,
    recorder_for,
    render_partial_or_page,
    respond_redirect,
    write_failed,
)

NUMBERS_PER_PAGE = 50


def _list_url(**query) -> str:
    url = reverse("contacts_ui:blacklist")
    return url + BlacklistQuery.url(query) if any(query.values()) else url


def _look_up(phone: str) -> tuple[str, str]:
    """Where to look whether a change that may have gone through did: the list, searched."""
    return _list_url(q=phone), _("search the blacklist for %(phone)s") % {"phone": phone}


def _render_list(request, client, form, *, error=None, status=200) -> HttpResponse:
    query = BlacklistQuery.read(request.GET)
    page, list_error = None, None
    try:
        page = client.blacklist_index(phone=query["q"], page=query["p"], limit=NUMBERS_PER_PAGE)
    except SerwerSMSError as exc:
        list_error = exc.message
    url = BlacklistQuery.url
    context = {
        "title": _("Blacklist"),
        "form": form,
        "error": error,
        "page": page,
        "list_error": list_error,
        "query": query,
        "search": query["q"],
        "retry_url": url(query),
        **page_links(url, query, page),
    }
    template = (
        "contacts_ui/_blacklist_table.html"
        if render_partial_or_page(request) and request.method == "GET"
        else "contacts_ui/blacklist_list.html"
    )
    return render(request, template, context, status=status)


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
def blacklist_list(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    return _render_list(request, client, BlacklistNumberForm())


@login_required
@roles.permission_required(roles.BLACKLIST)
@api_client_required
@require_POST
def blacklist_add(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """Put a number on the blacklist, from the form on the blacklist page."""
    form = BlacklistNumberForm(request.POST)
    if not form.is_valid():
        return _render_list(request, client, form)
    phone = form.cleaned_data["phone"]
    recorder = recorder_for(request, client)
    try:
        if client.blacklist_check(phone):
            messages.info(request, _("%(phone)s is on the blacklist already.") % {"phone": phone})
            return respond_redirect(request, _list_url(q=phone))
        recorder.blacklist_add(phone)
    except SerwerSMSError as exc:
        return _render_list(request, client, form, error=write_failed(exc, _look_up(phone)))
    messages.success(
        request,
        _("%(phone)s is on the blacklist: it gets no more messages.") % {"phone": phone},
    )
    return respond_redirect(request, _list_url(q=phone))


def _confirmation(request, *, title, question, phone, listed, action_url, back_url, error=None):
    return render(
        request,
        "contacts_ui/blacklist_confirm.html",
        {
            "title": title,
            "question": question,
            "phone": phone,
            "listed": listed,
            "action_url": action_url,
            "back_url": back_url,
            "error": error,
        },
    )


@login_required
@roles.permission_required(roles.BLACKLIST)
@api_client_required
@require_http_methods(["GET", "POST"])
def blacklist_remove(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    """Take a number off the blacklist, after a confirmation."""
    form = BlacklistNumberForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        messages.error(request, _("That is not a phone number on the blacklist."))
        return respond_redirect(request, _list_url())
    phone = form.cleaned_data["phone"]
    back_url = _list_url(q=phone)
    error = None
    try:
        listed = client.blacklist_check(phone)
    except SerwerSMSError as exc:
        return back_to_list_with_error(request, back_url, exc, exc.message)
    if not listed:
        messages.info(request, _("%(phone)s is not on the blacklist.") % {"phone": phone})
        return respond_redirect(request, back_url)
    if request.method == "POST":
        try:
            recorder_for(request, client).blacklist_delete(phone)
        except SerwerSMSError as exc:
            error = write_failed(exc, _look_up(phone))
        else:
            messages.success(
                request,
                _("%(phone)s is off the blacklist: it can get messages again.") % {"phone": phone},
            )
            return respond_redirect(request, _list_url())
    return _confirmation(
        request,
        title=_("Allow messages again"),
        question=_(
            "Take %(phone)s off the blacklist? It can get messages again, from everyone "
            "sending from this SerwerSMS account."
        )
        % {"phone": phone},
        phone=phone,
        listed=True,
        action_url=f"{reverse('contacts_ui:blacklist_remove')}?{urlencode({'phone': phone})}",
        back_url=back_url,
        error=error,
    )


@login_required
@roles.permission_required(roles.BLACKLIST)
@api_client_required
@require_http_methods(["GET", "POST"])
def contact_blacklist(request: HttpRequest, client: SerwerSMSClient, contact_id: int):
    """Stop messages to a contact's number, or allow them again: one action, confirmed.
    The page says which, from the blacklist itself (blacklist/check); the form carries
    what the person confirmed, so that a colleague's change meanwhile is not undone."""
    change_url = reverse("contacts_ui:contact_change", args=[contact_id])
    recorder = recorder_for(request, client)
    try:
        contact = recorder.memo.contact(contact_id)
        listed = client.blacklist_check(contact.phone)
    except SerwerSMSError as exc:
        return back_to_list_with_error(
            request, reverse("contacts_ui:contact_list"), exc, _("That contact no longer exists.")
        )
    name, phone = contact.display_name, contact.phone
    error = None
    if request.method == "POST":
        wanted = request.POST.get("listed") == "yes"
        if wanted == listed:
            # Done meanwhile (by a colleague, or another tab): nothing to send.
            messages.info(
                request,
                (
                    _("%(phone)s is on the blacklist already.")
                    if listed
                    else _("%(phone)s is not on the blacklist.")
                )
                % {"phone": phone},
            )
            return respond_redirect(request, change_url)
        try:
            if wanted:
                recorder.blacklist_add(phone, name)
            else:
                recorder.blacklist_delete(phone, name)
        except SerwerSMSError as exc:
            error = write_failed(exc, _look_up(phone))
        else:
            messages.success(
                request,
                (
                    _(
                        "Messages to “%(name)s” (%(phone)s) are stopped: the number is on the "
                        "blacklist."
                    )
                    if wanted
                    else _(
                        "“%(name)s” (%(phone)s) can get messages again: the number is off the "
                        "blacklist."
                    )
                )
                % {"name": name, "phone": phone},
            )
            return respond_redirect(request, change_url)
    if listed:
        title = _("Allow messages again")
        question = _(
            "Take %(phone)s, the number of “%(name)s”, off the blacklist? It can get messages "
            "again, from everyone sending from this SerwerSMS account."
        )
    else:
        title = _("Stop messages to this number")
        question = _(
            "Put %(phone)s, the number of “%(name)s”, on the blacklist? It gets no messages "
            "from this SerwerSMS account, whoever sends them, until it is taken off. Every "
            "contact with this number is affected."
        )
    return _confirmation(
        request,
        title=title,
        question=question % {"phone": phone, "name": name},
        phone=phone,
        listed=listed,
        action_url=reverse("contacts_ui:contact_blacklist", args=[contact_id]),
        back_url=change_url,
        error=error,
    )
