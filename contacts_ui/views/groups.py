from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from ..forms import GroupListQuery
from ..serwersms import SerwerSMSClient, SerwerSMSError
from .shared import api_client_required, render_partial_or_page

GROUPS_PER_PAGE = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("contacts_ui:group_list")


@login_required
@api_client_required
@vary_on_headers("HX-Request")
def group_list(request: HttpRequest, client: SerwerSMSClient) -> HttpResponse:
    query = GroupListQuery(request.GET)
    query.is_valid()  # invalid parameters fall back to their defaults
    search = query.cleaned_data.get("q", "")
    page, error = None, None
    try:
        page = client.groups_index(
            search=search,
            sort="name",
            order="asc",
            page=query.cleaned_data.get("p") or 1,
            limit=GROUPS_PER_PAGE,
        )
    except SerwerSMSError as exc:
        error = exc.message
    context = {"title": _("Groups"), "page": page, "error": error, "search": search}
    template = (
        "contacts_ui/_group_table.html"
        if render_partial_or_page(request)
        else "contacts_ui/group_list.html"
    )
    return render(request, template, context)
