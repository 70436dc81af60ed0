"""Contact agreement and conversation pages on a case. Each opens the case through
`cases.views.open_case` (the same 404 for anyone outside the case as for a missing
one, and the read entry on GET); the rules are in services.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tverrnett.access.rules import member
from tverrnett.agencies.models import Agency
from tverrnett.cases.views import open_case
from tverrnett.conversations import forms, services
from tverrnett.conversations.models import ContactAgreement, Conversation
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.versions import StaleEdit


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _open(request, pk, parts, *, write=False):
    """The identified case the user may see (404 otherwise); with `write`, one they may
    work on (403 otherwise: a partner without access, a closed case)."""
    case, access = open_case(request, pk, parts=parts)
    if case.is_anonymous:
        raise Http404
    if write:
        _require(access.can_work)
    return case, access


def _team_agencies(case):
    return Agency.objects.filter(case_teams__case=case).order_by("name")


def _stale(request, to, case):
    messages.error(request, str(StaleEdit()))
    return redirect(to, pk=case.pk)


def _context(case, access, **extra):
    return {"case": case, "access": access, **extra}


# Contact agreements -------------------------------------------------------------------


@member
@require_GET
def agreements(request, pk):
    case, access = _open(request, pk, ["contact_agreements"])
    return render(
        request,
        "conversations/agreements.html",
        _context(
            case,
            access,
            agreements=list(services.agreements_for(case)),
            next_contact=services.next_contact(case),
        ),
    )


@member
@require_http_methods(["GET", "POST"])
def add_agreement(request, pk):
    case, access = _open(request, pk, ["contact_agreements", "team"], write=True)
    form = forms.ContactAgreementForm(request.POST or None, agencies=_team_agencies(case))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_contact_agreement(request.user, case, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contact agreement was saved."))
            return redirect("conversations:agreements", pk=case.pk)
    return render(
        request,
        "conversations/form.html",
        _context(
            case,
            access,
            form=form,
            title=_("Add a contact agreement"),
            intro=_(
                "Agree with the partners how, when and where contact with the person takes "
                "place, who makes it, and who must not."
            ),
            submit=_("Save agreement"),
            back_url="conversations:agreements",
            back_label=_("Contact agreements"),
        ),
    )


@member
@require_http_methods(["GET", "POST"])
def edit_agreement(request, pk, agreement_pk):
    case, access = _open(request, pk, ["contact_agreements", "team"], write=True)
    agreement = get_object_or_404(ContactAgreement, pk=agreement_pk, case=case)
    form = forms.ContactAgreementForm(
        request.POST or None,
        agencies=_team_agencies(case),
        editing=True,
        initial={
            "version": agreement.version,
            **{name: getattr(agreement, name) for name in services.AGREEMENT_FIELDS},
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.change_contact_agreement(
                request.user, agreement, version=version, **data, request=request
            )
        except StaleEdit:
            return _stale(request, "conversations:agreements", case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The contact agreement was saved."))
            return redirect("conversations:agreements", pk=case.pk)
    return render(
        request,
        "conversations/form.html",
        _context(
            case,
            access,
            form=form,
            title=_("Change the contact agreement"),
            submit=_("Save agreement"),
            back_url="conversations:agreements",
            back_label=_("Contact agreements"),
        ),
    )


# Conversations --------------------------------------------------------------------------


def _conversation(case, conversation_pk):
    return get_object_or_404(
        Conversation.objects.select_related("held_by", "created_by", "review_task"),
        pk=conversation_pk,
        case=case,
    )


@member
@require_GET
def conversation_list(request, pk):
    case, access = _open(request, pk, ["conversations"])
    return render(
        request,
        "conversations/list.html",
        _context(
            case,
            access,
            conversations=list(services.conversations_for(case)),
            review_task=services.after_first_conversation_task(case),
            next_contact=services.next_contact(case),
        ),
    )


@member
@require_GET
def detail(request, pk, conversation_pk):
    case, access = _open(request, pk, ["conversations"])
    conversation = _conversation(case, conversation_pk)
    return render(
        request,
        "conversations/detail.html",
        _context(
            case,
            access,
            conversation=conversation,
            review_task=services.after_first_conversation_task(case)
            if conversation.is_first
            else None,
        ),
    )


def _planner(request, case, access, form, *, minor, title, submit):
    person = case.subject
    return render(
        request,
        "conversations/plan_form.html",
        _context(
            case,
            access,
            form=form,
            minor=minor,
            guardians=list(person.guardians.all()) if minor else [],
            person=person,
            title=title,
            submit=submit,
        ),
    )


@member
@require_http_methods(["GET", "POST"])
def plan(request, pk):
    case, access = _open(request, pk, ["conversations", "person", "guardians"], write=True)
    person = case.subject
    minor = services.is_minor_on(person, timezone.localdate())
    form = forms.ConversationForm(
        request.POST or None,
        case=case,
        minor=minor,
        initial={
            "is_first": not case.conversations.filter(is_first=True).exists(),
            "interpretation_needed": person.needs_interpreter,
            "interpreter_language": person.interpreter_language if person.needs_interpreter else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            conversation = services.plan_conversation(
                request.user, case, **form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The conversation was planned."))
            return redirect("conversations:detail", pk=case.pk, conversation_pk=conversation.pk)
    return _planner(
        request,
        case,
        access,
        form,
        minor=minor,
        title=_("Plan a conversation"),
        submit=_("Save the plan"),
    )


@member
@require_http_methods(["GET", "POST"])
def edit(request, pk, conversation_pk):
    case, access = _open(request, pk, ["conversations", "person", "guardians"], write=True)
    conversation = _conversation(case, conversation_pk)
    if conversation.is_held:
        messages.error(
            request,
            _(
                "The conversation has been held and its plan can no longer be changed. "
                "Write what happened in the journal."
            ),
        )
        return redirect("conversations:detail", pk=case.pk, conversation_pk=conversation.pk)
    person = case.subject
    minor = services.is_minor_on(person, timezone.localdate()) or services.is_minor_on(
        person, timezone.localdate(conversation.planned_at)
    )
    form = forms.ConversationForm(
        request.POST or None,
        case=case,
        minor=minor,
        conversation=conversation,
        editing=True,
        initial={
            "version": conversation.version,
            **{name: getattr(conversation, name) for name in services.CONVERSATION_FIELDS},
            "planned_at": timezone.localtime(conversation.planned_at),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.change_conversation(
                request.user, conversation, version=version, **data, request=request
            )
        except StaleEdit:
            return _stale(request, "conversations:list", case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The conversation plan was saved."))
            return redirect("conversations:detail", pk=case.pk, conversation_pk=conversation.pk)
    return _planner(
        request,
        case,
        access,
        form,
        minor=minor,
        title=_("Change the conversation plan"),
        submit=_("Save the plan"),
    )


@member
@require_http_methods(["GET", "POST"])
def held(request, pk, conversation_pk):
    case, access = _open(request, pk, ["conversations"], write=True)
    conversation = _conversation(case, conversation_pk)
    if conversation.is_held:
        return redirect("conversations:detail", pk=case.pk, conversation_pk=conversation.pk)
    form = forms.HeldForm(request.POST or None, initial={"version": conversation.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_conversation_held(
                request.user,
                conversation,
                version=form.cleaned_data["version"],
                held_at=form.cleaned_data["held_at"],
                request=request,
            )
        except StaleEdit:
            return _stale(request, "conversations:list", case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if conversation.review_task is not None:
                messages.success(
                    request,
                    _(
                        "The conversation was recorded as held. A review task for the "
                        "coordinator is now on the case's task list."
                    ),
                )
            else:
                messages.success(request, _("The conversation was recorded as held."))
            return redirect("conversations:detail", pk=case.pk, conversation_pk=conversation.pk)
    return render(
        request,
        "conversations/form.html",
        _context(
            case,
            access,
            form=form,
            title=_("Record the conversation as held"),
            intro=_(
                "Write the conversation note in the journal afterwards: it follows the "
                "journal's rules for who may read it."
            ),
            submit=_("Record as held"),
            back_url="conversations:list",
            back_label=_("Conversations"),
        ),
    )
