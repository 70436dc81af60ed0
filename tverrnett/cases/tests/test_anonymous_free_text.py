"""No free text of an anonymous discussion may hold an identity number (L18; issue 18,
item 3).

The forms are found by walking, not by listing: every URL route under a case
(`saker/<pk>/…`, whatever app it lives in) is requested for an anonymous discussion as
its coordinator, every form the page renders is collected, and each of its free-text
fields is sent back holding a valid (fictional) identity number. The page must show the
Norwegian refusal on that field and save nothing. A POST-only route renders no form, so
the form classes its view names are checked instead: they must have no free-text field.
"""

import datetime
import inspect

import pytest
from django.core.exceptions import ValidationError
from django.forms import BaseForm, CharField
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from stdnum.no import fodselsnummer

from tverrnett.cases import services
from tverrnett.cases.models import ChecklistItem, JournalEntry, Resource, Task, TimelineEvent
from tverrnett.core.identity_numbers import free_text_fields
from tverrnett.exitwork.models import ExitWork

IDENTITY_NUMBER = "15076500565"

# The one route under a case whose text belongs elsewhere: converting creates the
# identified case, and the person's identity number is what it is for.
NOT_THE_DISCUSSIONS_TEXT = {"cases:convert"}

# Routes that start an anonymous discussion: their text becomes the discussion's too.
STARTS_A_DISCUSSION = ["cases:new_anonymous"]


def test_the_identity_number_is_valid():
    assert fodselsnummer.is_valid(IDENTITY_NUMBER)


def _refusal():
    with translation.override("nb"):
        return str(services.identity_number_refused_message())


def _walk(patterns, route, namespace, converters):
    for entry in patterns:
        here = route + str(entry.pattern)
        names = [*converters, *entry.pattern.converters]
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, here, entry.namespace or namespace, names)
        else:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, here, names, entry.callback


def case_routes():
    """Every route whose path starts with a case: (name, kwarg names, view)."""
    return [
        (name, names, view)
        for name, route, names, view in _walk(get_resolver().url_patterns, "", "", [])
        if route.startswith("saker/<int:pk>/")
    ]


@pytest.fixture
def discussion(anonymous_case, owner, partner_agency):
    """An anonymous discussion with one of everything a case URL can point at."""
    case = anonymous_case
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    services.add_task(
        owner,
        case,
        title="Ring skolen",
        owner_agency=case.created_agency,
        owner_name="Eva",
        deadline=timezone.localdate() + datetime.timedelta(days=3),
    )
    services.write_journal_entry(owner, case, text="Første notat.", confidentiality="ordinary")
    Resource.objects.create(case=case, name="Onkel", relation="family")
    ChecklistItem.objects.create(case=case, code=services.ADVICE_BEFORE_CONTACT, position=0)
    case.refresh_from_db()
    return case


def _ids(case):
    return {
        "pk": case.pk,
        "member_pk": case.team.exclude(has_lead=True).first().pk,
        "task_pk": Task.objects.filter(case=case).first().pk,
        "entry_pk": JournalEntry.objects.filter(case=case).first().pk,
        "resource_pk": Resource.objects.filter(case=case).first().pk,
        "item_pk": ChecklistItem.objects.filter(case=case).first().pk,
        # Undoing a removal is POST only and has no text: any id reaches its view.
        "removal_pk": 1,
    }


def _forms_on(response):
    found = []
    for context in response.context or []:
        for layer in context.dicts:
            for value in layer.values():
                if isinstance(value, BaseForm) and value not in found:
                    found.append(value)
    return found


def _form_classes_named_by(view):
    """The form classes a view function refers to (`forms.TaskStatusForm(...)`)."""
    function = inspect.unwrap(view)
    module = inspect.getmodule(function)
    namespaces = [vars(module)] + [
        vars(value) for value in vars(module).values() if inspect.ismodule(value)
    ]
    classes = set()
    for name in function.__code__.co_names:
        for namespace in namespaces:
            value = namespace.get(name)
            if isinstance(value, type) and issubclass(value, BaseForm):
                classes.add(value)
    return classes


def _send_each_free_text(client, url, form, refusal):
    """Post the form back with an identity number in each free-text field in turn; the
    field shows the refusal. Returns the fields checked."""
    checked = []
    for name in free_text_fields(form):
        bound = form[name]
        data = {bound.html_name: f"Gjelder {IDENTITY_NUMBER}."}
        if "version" in form.fields:
            data[form["version"].html_name] = form["version"].value() or 1
        response = client.post(url, data)
        assert response.status_code == 200, (url, name, response.status_code)
        sent_back = [
            candidate
            for candidate in _forms_on(response)
            if type(candidate) is type(form) and candidate.prefix == form.prefix
        ]
        assert sent_back, (url, name)
        assert refusal in sent_back[0].errors.get(name, []), (url, name, sent_back[0].errors)
        checked.append(name)
    return checked


def test_every_free_text_of_an_anonymous_discussion_refuses_an_identity_number(
    client, login_as, owner, discussion
):
    login_as(client, owner)
    refusal = _refusal()
    ids = _ids(discussion)
    timeline_before = TimelineEvent.objects.filter(case=discussion).count()
    journal_before = JournalEntry.objects.filter(case=discussion).count()
    checked = {}

    routes = case_routes()
    assert len(routes) >= 60
    pages = [(name, reverse(name), None) for name in STARTS_A_DISCUSSION]
    unreachable = []
    for name, names, view in routes:
        if name in NOT_THE_DISCUSSIONS_TEXT:
            continue
        if set(names) <= set(ids):
            pages.append((name, reverse(name, kwargs={key: ids[key] for key in names}), view))
        else:
            unreachable.append(name)

    answers = {}
    for name, url, view in pages:
        response = client.get(url)
        answers[name] = response.status_code
        if response.status_code == 405:
            # POST only (one-click actions): no form is rendered, so the form classes
            # the view names must hold no free text.
            for form_class in _form_classes_named_by(view):
                texts = [
                    field
                    for field in form_class.base_fields.values()
                    if isinstance(field, CharField)
                ]
                assert not texts, (name, form_class)
        elif response.status_code == 200:
            for form in _forms_on(response):
                fields = _send_each_free_text(client, url, form, refusal)
                if fields:
                    checked.setdefault(name, []).extend(fields)

    # A route that points at an object this walk cannot create is fine only in an app
    # that is closed to anonymous discussions: each of its case pages answers 404.
    closed = {
        namespace
        for namespace in {name.split(":")[0] for name in answers}
        if {
            code
            for name, code in answers.items()
            if name.startswith(namespace + ":") and code != 405
        }
        == {404}
    }
    assert closed >= {"plans", "conversations", "consent", "measures"}
    # Exit work shows its start page, but an anonymous discussion cannot start it, so
    # the exit pages that point at its objects are never reached.
    client.post(reverse("exitwork:start", kwargs={"pk": discussion.pk}), {"is_returnee": "on"})
    assert not ExitWork.objects.filter(case=discussion).exists()
    closed.add("exitwork")
    unknown = [name for name in unreachable if name.split(":")[0] not in closed]
    assert not unknown, f"Routes this walk cannot fill in: {unknown}"

    # The walk reached the forms the bug and L18 are about.
    assert "reason" in checked["cases:coordinator"]
    assert {"note", "evaluation"} <= set(checked["cases:change_state"])
    assert "text" in checked["cases:write_journal"]
    assert {"text", "reason"} <= set(checked["cases:correct_journal"])
    assert {"observation", "observed_by", "school"} <= set(checked["cases:new_anonymous"])
    assert len(checked) >= 8
    # Nothing was saved.
    assert TimelineEvent.objects.filter(case=discussion).count() == timeline_before
    assert JournalEntry.objects.filter(case=discussion).count() == journal_before


def test_a_coordinator_change_reason_with_an_identity_number_is_refused_in_a_discussion(
    anonymous_case, owner, police_agency, police_role, open_to
):
    """The defect found: the reason went onto the discussion's timeline unchecked."""
    services.add_team_member(owner, anonymous_case, agency=police_agency, contact_name="Per")
    open_to(anonymous_case, police_agency)
    anonymous_case.refresh_from_db()
    with pytest.raises(ValidationError) as raised:
        services.change_coordinator(
            owner,
            anonymous_case,
            version=anonymous_case.version,
            role=police_role,
            reason=f"Overtas av politiet, gjelder 150765 00565 ({IDENTITY_NUMBER}).",
        )
    assert "reason" in raised.value.message_dict
    anonymous_case.refresh_from_db()
    assert anonymous_case.coordinator_role != police_role
    assert not TimelineEvent.objects.filter(case=anonymous_case, kind="coordinator").exists()
