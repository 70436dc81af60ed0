"""The task inbox (issue 21, item 4): the open tasks of the agency the user acts for and
of the roles they hold there, on the cases they may see, and giving a task to a
colleague. Which tasks and who may give them: `access.policy.tasks`."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.cases import forms, services
from tverrnett.cases import search as case_search
from tverrnett.cases.models import TaskStatus
from tverrnett.core.identity_numbers import contains_identity_number
from tverrnett.core.paging import BoundedPaginator
from tverrnett.core.parsing import parse_case_reference, parse_id

PAGE_SIZE = 25
# The filters go into the URL; the search text never does (it is kept in the session).
_PARAMETERS = ("whose", "status", "overdue")


def _inbox(request):
    """The acting agency's tasks on the cases the user may see; 404 for a user who does
    no case work for the agency they act for (as every case page)."""
    memberships = policy.case_memberships(request.user)
    if request.agency is None or request.agency.pk not in memberships[0]:
        raise Http404
    return policy.inbox_tasks(request.user, request.agency, memberships)


def _search(q):
    """A task's title, or its case's reference ("2026-00042" or "42")."""
    condition = Q(title__icontains=q)
    reference = parse_case_reference(q)
    if reference is not None:
        year, number = reference
        condition |= Q(case_id=number, case__created_at__year=year)
    elif (number := parse_id(q)) is not None:
        condition |= Q(case_id=number)
    return condition


@member
@require_http_methods(["GET", "POST"])
def inbox(request):
    tasks = _inbox(request)
    token = (request.POST if request.method == "POST" else request.GET).get("sok", "")
    kept = case_search.recall(request.session, token) or {}
    if request.method == "POST":
        form = forms.TaskInboxForm(request.POST)
        if form.is_valid():
            return _search_and_redirect(request, form)
    else:
        data = request.GET.copy()
        data.pop("q", None)
        if "q" in kept:
            data["q"] = kept["q"]
        form = forms.TaskInboxForm(data)
    today = timezone.localdate()
    q = ""
    if form.is_valid():
        data = form.cleaned_data
        q = data["q"].strip()
        if q:
            tasks = tasks.filter(_search(q))
        if data["whose"] == "mine":
            tasks = tasks.filter(assignee=request.user)
        elif data["whose"] == "roles":
            tasks = tasks.filter(policy.my_role_tasks_filter(request.user))
        if data["status"] in TaskStatus.values:
            tasks = tasks.filter(status=data["status"])
        elif data["status"] != "all":
            tasks = tasks.exclude(status=TaskStatus.DONE)
        if data["overdue"]:
            tasks = tasks.filter(deadline__lt=today).exclude(status=TaskStatus.DONE)
    else:
        tasks = tasks.exclude(status=TaskStatus.DONE)
    tasks = (
        tasks.select_related("case", "owner_role__holder", "owner_role__deputy", "assignee")
        .annotate(
            may_assign=Case(
                When(policy.may_assign_in_inbox_filter(request.user, request.agency), then=True),
                default=Value(False),
            )
        )
        .order_by("deadline", "id")
    )
    page = BoundedPaginator(tasks, PAGE_SIZE).get_page(request.GET.get("side"))
    rows = list(page.object_list)
    if rows:
        # Task titles are case data: the list is a read of the cases it shows (L44).
        services.record_case_list_read(
            request.user, sorted({task.case_id for task in rows}), searched=bool(q), request=request
        )
    colleagues = list(policy.task_assignees(request.agency))
    return render(
        request,
        "cases/task_inbox.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "today": today,
            "colleagues": colleagues,
            "search_token": token if kept else "",
            "searched": bool(q),
            "next": request.get_full_path(),
        },
    )


def _search_and_redirect(request, form):
    q = form.cleaned_data["q"].strip()
    token = ""
    if contains_identity_number(q):
        messages.error(request, _("Search by the task or the case reference, not by a number."))
    elif q:
        token = case_search.remember(request.session, {"q": q})
    params = {name: request.POST[name] for name in _PARAMETERS if request.POST.get(name)}
    if token:
        params["sok"] = token
    url = reverse("tasks:inbox")
    return redirect(f"{url}?{urlencode(params)}" if params else url)


@member
@require_POST
def assign(request, task_pk):
    """Give a task of the acting agency to a colleague there (or to nobody in particular)."""
    task = get_object_or_404(_inbox(request).select_related("case", "owner_agency"), pk=task_pk)
    access_path = policy.case_access_path(request.user, task.case)
    if not policy.can_assign_task(
        request.user, task, access_path, policy.case_agency_ids(request.user)
    ):
        raise PermissionDenied
    form = forms.TaskAssignForm(request.POST, colleagues=policy.task_assignees(task.owner_agency))
    back = _back(request, task)
    if not form.is_valid():
        messages.error(request, _("Choose a colleague in the task's agency."))
        return redirect(back)
    try:
        services.assign_task(
            request.user,
            task,
            assignee=form.cleaned_data["assignee"],
            version=form.cleaned_data["version"],
            request=request,
        )
    except services.StaleEdit as error:
        messages.error(request, str(error))
        return redirect(back)
    except ValidationError:
        messages.error(request, _("Choose a colleague in the task's agency."))
        return redirect(back)
    messages.success(request, _("The task was given to a colleague."))
    return redirect(back)


def _back(request, task):
    """Back to the inbox page the form was on (only a path of the inbox), or the case."""
    inbox_url = reverse("tasks:inbox")
    wanted = request.POST.get("next", "")
    if wanted == inbox_url or wanted.startswith(inbox_url + "?"):
        return wanted
    return reverse("cases:detail", args=[task.case_id]) + "#tasks-heading"
