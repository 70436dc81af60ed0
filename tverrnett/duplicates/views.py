"""A possible duplicate's page and the coordinators' answers to it. A notice exists only
for the side it is addressed to (`policy.duplicate_notice_side`): everyone else, the
registering user included, gets the 404 of a notice that does not exist."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.duplicates import services
from tverrnett.duplicates.models import DuplicateNotice

_RELATIONS = (
    "existing_case__coordinator_role__agency",
    "new_case__coordinator_role__agency",
    "registering_agency",
)


def _notice_for(request, pk):
    notice = get_object_or_404(DuplicateNotice.objects.select_related(*_RELATIONS), pk=pk)
    side = policy.duplicate_notice_side(request.user, notice)
    if side is None or not notice.is_open:
        raise Http404
    return notice, side


@member
@require_GET
def notice_detail(request, pk):
    notice, side = _notice_for(request, pk)
    return render(
        request,
        "duplicates/notice.html",
        {
            "notice": notice,
            "side": side,
            "merges_at_once": side == "existing"
            and policy.can_merge_cases(request.user, notice.existing_case, notice.new_case),
        },
    )


def _answer(request, pk, side, action, success):
    notice, actual_side = _notice_for(request, pk)
    if actual_side != side:
        raise Http404
    try:
        result = action(request.user, notice, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("duplicates:notice", pk=notice.pk)
    messages.success(request, success(result))
    merge = getattr(result, "survivor_id", None)
    if merge and policy.visible_cases(request.user).filter(pk=merge).exists():
        return redirect("cases:detail", pk=merge)
    return redirect("core:home")


@member
@require_POST
def dismiss(request, pk):
    return _answer(
        request, pk, "existing", services.dismiss, lambda _result: _("The notice was dismissed.")
    )


@member
@require_POST
def merge(request, pk):
    return _answer(
        request,
        pk,
        "existing",
        services.merge_or_propose,
        lambda result: (
            _("The cases were merged.")
            if result
            else _("The merge was proposed to the other case's coordinator.")
        ),
    )


@member
@require_POST
def agree(request, pk):
    return _answer(request, pk, "new", services.agree, lambda _result: _("The cases were merged."))


@member
@require_POST
def decline(request, pk):
    return _answer(
        request, pk, "new", services.decline, lambda _result: _("The merge was declined.")
    )
