"""Background work as the person sees it: live progress, cancel, the result, retry."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from .. import roles
from ..imports import retention
from ..models import HistoryEntry, Job, JobItem
from ..views.shared import api_client_required, render_partial_or_page
from . import runner
from .kinds import KINDS

JOBS_PER_PAGE = 50
WAITING_LONG = timedelta(seconds=30)
# Failed items listed on one page of a job's result.
ITEMS_PER_PAGE = 100


def _own_job(request: HttpRequest, job_id) -> Job:
    return get_object_or_404(Job, pk=job_id, user=request.user)


@login_required
@roles.permission_required(roles.VIEW)
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's background work, newest first: to come back to what is running."""
    page = Paginator(Job.objects.filter(user=request.user), JOBS_PER_PAGE).get_page(
        request.GET.get("p")
    )
    rows = [{"job": job, "progress": runner.progress(job)} for job in page.object_list]
    context = {"title": _("Background work"), "page": page, "rows": rows}
    return render(request, "contacts_ui/job_list.html", context)


def _context(request: HttpRequest, job: Job) -> dict:
    shown = [JobItem.Status.FAILED, JobItem.Status.UNKNOWN]
    if request.GET.get("items") == "all":
        shown = JobItem.Status.values
    problems = Paginator(job.items.filter(status__in=shown), ITEMS_PER_PAGE).get_page(
        request.GET.get("p")
    )
    progress = runner.progress(job)
    recorded = HistoryEntry.objects.filter(batch=job.batch, user=request.user)
    return {
        "title": job.title,
        "job": job,
        "progress": progress,
        "items": problems,
        "all_items": request.GET.get("items") == "all",
        "recorded": recorded.exists(),
        "undoable": roles.may(request.user, roles.UNDO_OWN)
        and recorded.filter(outcome__in=["done", "unknown"], undo_of=None).exists(),
        "is_import": job.kind == Job.Kind.CONTACT_IMPORT,
        "to_retry": runner.to_retry(job).count()
        if job.finished and runner.allowed(request.user, job)
        else 0,
        "retry_takes_cancelled": KINDS[job.kind].retry_takes_cancelled,
        "abandoned": runner.abandoned(job),
        # Waiting long: no worker is taking work (it is not running, or is busy).
        "waiting_long": job.state == Job.State.QUEUED
        and timezone.now() - job.created_at > WAITING_LONG,
        "retry": job.retries.first(),
    }


@login_required
@roles.permission_required(roles.VIEW)
@vary_on_headers("HX-Request")
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    """Progress while the work runs (htmx polls the partial), the result once it is done."""
    job = _own_job(request, job_id)
    context = _context(request, job)
    if render_partial_or_page(request):
        return render(request, "contacts_ui/_job_progress.html", context)
    return render(request, "contacts_ui/job_detail.html", context)


@login_required
@roles.permission_required(roles.VIEW)
@require_POST
def job_cancel(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id)
    if job.finished:
        messages.info(request, _("This work had already finished."))
    else:
        runner.request_cancel(job)
        messages.info(
            request,
            _(
                "Cancelling: the items under way finish, no new ones start. "
                "What was done stays done; the list below says what was not."
            ),
        )
    return redirect("contacts_ui:job_detail", job.pk)


@login_required
@roles.permission_required(roles.VIEW)
@api_client_required
@require_POST
def job_retry(request: HttpRequest, client, job_id) -> HttpResponse:
    """A new job of just the items that failed."""
    job = _own_job(request, job_id)
    if not runner.allowed(request.user, job):
        raise PermissionDenied("the role no longer allows this work")
    if not job.finished:
        messages.error(request, _("Wait for this work to finish before retrying."))
        return redirect("contacts_ui:job_detail", job.pk)
    if job.retries.exists():
        messages.info(request, _("This work was retried already."))
        return redirect("contacts_ui:job_detail", job.retries.first().pk)
    if not runner.to_retry(job).exists():
        messages.info(request, _("Nothing failed, so there is nothing to retry."))
        return redirect("contacts_ui:job_detail", job.pk)
    if job.kind == Job.Kind.CONTACT_IMPORT and retention.rows_gone(runner.to_retry(job)):
        # Removed a day after the import (manage.py prune_history): nothing left to send.
        messages.error(request, retention.rows_gone_message())
        return redirect("contacts_ui:job_detail", job.pk)
    try:
        retry = runner.retry_failed(request, job)
    except IntegrityError:
        # Retried by another request meanwhile (a double submit).
        messages.info(request, _("This work was retried already."))
        return redirect("contacts_ui:job_detail", job.retries.get().pk)
    return redirect("contacts_ui:job_detail", retry.pk)
