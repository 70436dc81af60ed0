"""Two users save the same record at once, for every editable record type (C5, issue 18).

Run inside `manage.py shell` against a database with the demo data and committed
transactions (the browser tests' database; see test_concurrent_saves.py): the unit
tests' database lives in one uncommitted transaction, where a second connection
would see nothing, and the audit table refuses the TRUNCATE of `transactional_db`.

For each editable model (every model with a `version` field) one `Editor` names a
demo row, a user who may edit it and the service call that saves one text (or
choice) of it. Each round, two threads, each with its own database connection,
read the row at version N, wait for each other, and save different values. On
PostgreSQL they really race: exactly one must be saved and the other refused,
the row must hold the winner's value at version N + 1, and no save may be lost
(told "saved" but not what the row holds). On SQLite, which serialises writers,
the same check runs one save after the other from the same version.

Each editor puts back the values it changed, so the browser tests that follow see
the demo as it was (the versions have moved on, which the pages read afresh).
"""

import datetime
import json
import os
import threading
import time
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from tverrnett.core.versions import VERSION_FIELD, StaleEdit

ROUNDS_ENV = "CONCURRENCY_ROUNDS"
DEFAULT_ROUNDS = 10


def versioned_models():
    """Every model of ours whose rows carry a version (an integer field `version`)."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("tverrnett."):
            continue
        fields = {f.name: f for f in model._meta.concrete_fields}
        if isinstance(fields.get(VERSION_FIELD), models.IntegerField):
            found.append(model._meta.label)
    return sorted(found)


def _user(username):
    user = get_user_model().objects.get(username=username)
    user.is_verified = lambda: True  # both factors passed, as in a request
    return user


@dataclass
class Editor:
    """How to save one field of one demo row of `label` as `actor`.

    `get()` returns the row (fresh, with what the service needs); `save(actor, obj,
    version, value)` saves `value` through the service; `read(obj)` is the value the
    row holds; `values` are the two values the racing threads save.
    """

    label: str
    actor: str
    get: object
    save: object
    read: object
    values: tuple = ("Lagret av A.", "Lagret av B.")
    restore: object = None  # (obj) -> None; puts the demo values back
    setup: object = None  # () -> None, before the rounds
    teardown: object = None  # () -> None, after the rounds
    before_round: object = None  # (obj) -> None
    actors: tuple = field(default=())  # a second actor for thread B, when it differs


def _editors():  # noqa: C901 - one small block per model, on purpose
    from tverrnett.agencies import services as agency_services
    from tverrnett.agencies.models import Agency
    from tverrnett.assessments import services as assessment_services
    from tverrnett.assessments.models import Assessment, AssessmentStatus
    from tverrnett.cases import services as case_services
    from tverrnett.cases.models import ChecklistItem, ConcernCase, Person, Task, TaskStatus
    from tverrnett.conversations import services as conversation_services
    from tverrnett.conversations.models import ContactAgreement, Conversation
    from tverrnett.events import services as event_services
    from tverrnett.events.models import Event
    from tverrnett.guidance import library as library_services
    from tverrnett.guidance.models import LibraryResource
    from tverrnett.measures import services as measure_services
    from tverrnett.measures.models import Measure
    from tverrnett.meetings import services as meeting_services
    from tverrnett.meetings.models import ForumMeeting
    from tverrnett.networks import services as network_services
    from tverrnett.networks.models import Forum, Network, Role
    from tverrnett.plans import services as plan_services
    from tverrnett.plans.models import IndividualPlan, PlanContribution, PlanMeasure

    def slt_case():
        return (
            ConcernCase.objects.filter(
                is_anonymous=False, coordinator_role__holder__username="slt.demo"
            )
            .order_by("pk")
            .first()
        )

    case_pk = slt_case().pk
    editors = []

    def keep(model, pk, *names):
        """A restore function that puts back `names` as they are now."""
        saved = model.objects.filter(pk=pk).values(*names).get()
        return lambda _obj: model.objects.filter(pk=pk).update(**saved)

    # cases.ConcernCase: the summary.
    editors.append(
        Editor(
            "cases.ConcernCase",
            "slt.demo",
            get=lambda: ConcernCase.objects.select_related("coordinator_role").get(pk=case_pk),
            save=lambda actor, case, version, value: case_services.change_summary(
                actor, case, version=version, summary=value
            ),
            read=lambda case: case.summary,
            restore=keep(ConcernCase, case_pk, "summary"),
        )
    )

    # cases.Person: edited through its case, under the case's version (one case each).
    person_case_pk = ConcernCase.objects.get(pk=case_pk).pk
    person_pk = ConcernCase.objects.get(pk=person_case_pk).subject_id
    editors.append(
        Editor(
            "cases.Person",
            "slt.demo",
            get=lambda: ConcernCase.objects.select_related("subject", "coordinator_role").get(
                pk=person_case_pk
            ),
            save=lambda actor, case, version, value: case_services.change_person(
                actor, case, version=version, fields={"languages": value}
            ),
            read=lambda case: Person.objects.get(pk=person_pk).languages,
            restore=keep(Person, person_pk, "languages"),
            values=("norsk", "arabisk"),
        )
    )

    # cases.Task: its status.
    task = Task.objects.filter(case__coordinator_role__holder__username="slt.demo").first()
    editors.append(
        Editor(
            "cases.Task",
            "slt.demo",
            get=lambda: Task.objects.select_related("case").get(pk=task.pk),
            save=lambda actor, obj, version, value: case_services.change_task_status(
                actor, obj, status=value, version=version
            ),
            read=lambda obj: obj.status,
            values=(TaskStatus.IN_PROGRESS, TaskStatus.OPEN),
            restore=keep(Task, task.pk, "status"),
        )
    )

    # cases.ChecklistItem: a step's note.
    item = ChecklistItem.objects.filter(case__coordinator_role__holder__username="slt.demo").first()
    editors.append(
        Editor(
            "cases.ChecklistItem",
            "slt.demo",
            get=lambda: ChecklistItem.objects.select_related("case").get(pk=item.pk),
            save=lambda actor, obj, version, value: case_services.set_checklist_status(
                actor, obj, status=obj.status, version=version, note=value
            ),
            read=lambda obj: obj.note,
            restore=keep(
                ChecklistItem,
                item.pk,
                "note",
                "status",
                "changed_at",
                "changed_by",
                "done_at",
                "done_by",
                "not_relevant_reason",
            ),
        )
    )

    # measures.Measure: the person's view.
    measure = (
        Measure.objects.filter(
            case__coordinator_role__holder__username="slt.demo",
            responsible_agency__name="Drammen kommune – SLT",
        ).first()
        or Measure.objects.filter(case__coordinator_role__holder__username="slt.demo").first()
    )
    editors.append(
        Editor(
            "measures.Measure",
            "slt.demo",
            get=lambda: Measure.objects.select_related("case").get(pk=measure.pk),
            save=lambda actor, obj, version, value: measure_services.change_measure(
                actor, obj, version=version, person_view=value
            ),
            read=lambda obj: obj.person_view,
            restore=keep(Measure, measure.pk, "person_view"),
        )
    )

    # conversations.ContactAgreement: where.
    agreement = ContactAgreement.objects.filter(
        case__coordinator_role__holder__username="slt.demo"
    ).first()
    agreement_fields = conversation_services.AGREEMENT_FIELDS
    editors.append(
        Editor(
            "conversations.ContactAgreement",
            "slt.demo",
            get=lambda: ContactAgreement.objects.select_related("case").get(pk=agreement.pk),
            save=lambda actor, obj, version, value: conversation_services.change_contact_agreement(
                actor,
                obj,
                version=version,
                **{**{name: getattr(obj, name) for name in agreement_fields}, "where": value},
            ),
            read=lambda obj: obj.where,
            restore=keep(ContactAgreement, agreement.pk, "where", "changed_at"),
        )
    )

    # conversations.Conversation: a planned conversation's place.
    conversation = Conversation.objects.filter(
        case__coordinator_role__holder__username="slt.demo", held_at__isnull=True
    ).first()

    def conversation_fields(obj):
        fields = {}
        for name in conversation_services.CONVERSATION_FIELDS:
            value = getattr(obj, name)
            if hasattr(value, "all"):
                value = list(value.all())
            fields[name] = value
        return fields

    editors.append(
        Editor(
            "conversations.Conversation",
            "slt.demo",
            get=lambda: Conversation.objects.select_related("case").get(pk=conversation.pk),
            save=lambda actor, obj, version, value: conversation_services.change_conversation(
                actor, obj, version=version, **{**conversation_fields(obj), "place": value}
            ),
            read=lambda obj: obj.place,
            restore=keep(Conversation, conversation.pk, "place", "changed_at"),
        )
    )

    # networks.Role: the child-welfare contact role (no browser test reads its history),
    # handed over by a manager of its agency to one of two colleagues; each round
    # starts from no holder, and the demo's holder is put back at the end.
    role = Role.objects.select_related("holder", "deputy").get(
        agency__name="Drammen kommune – barneverntjenesten", holder__username="barnevern.demo"
    )

    def role_back(_obj):
        Role.objects.filter(pk=role.pk).update(
            holder=role.holder, deputy=role.deputy, holder_since=role.holder_since
        )

    editors.append(
        Editor(
            "networks.Role",
            "leder.demo",
            get=lambda: Role.objects.select_related("holder", "deputy").get(pk=role.pk),
            save=lambda actor, obj, version, value: network_services.hand_over_role(
                actor,
                obj,
                new_holder=_user(value),
                new_deputy=None,
                reason="Test av samtidige lagringer.",
                expected_version=version,
            ),
            read=lambda obj: obj.holder.username,
            values=("leder.demo", "barnevern.demo"),
            before_round=lambda _obj: Role.objects.filter(pk=role.pk).update(holder=None),
            restore=role_back,
        )
    )

    # plans.IndividualPlan, plans.PlanMeasure, plans.PlanContribution.
    plan = IndividualPlan.objects.select_related("case").get()
    editors.append(
        Editor(
            "plans.IndividualPlan",
            "slt.demo",
            get=lambda: IndividualPlan.objects.select_related("case", "coordinator_role").get(
                pk=plan.pk
            ),
            save=lambda actor, obj, version, value: plan_services.change_plan(
                actor, obj, version=version, follow_up=value
            ),
            read=lambda obj: obj.follow_up,
            restore=keep(IndividualPlan, plan.pk, "follow_up", "updated_at"),
        )
    )
    entry = PlanMeasure.objects.filter(plan=plan).first()
    editors.append(
        Editor(
            "plans.PlanMeasure",
            "slt.demo",
            get=lambda: PlanMeasure.objects.select_related(
                "plan__case", "plan__coordinator_role", "responsible_agency", "measure"
            ).get(pk=entry.pk),
            save=lambda actor, obj, version, value: plan_services.change_plan_measure(
                actor, obj, version=version, timing=value
            ),
            read=lambda obj: obj.timing,
            restore=keep(PlanMeasure, entry.pk, "timing"),
        )
    )
    contribution = PlanContribution.objects.select_related("agency").get(plan=plan)
    editors.append(
        Editor(
            "plans.PlanContribution",
            "nav.demo",
            get=lambda: PlanContribution.objects.select_related("plan__case", "agency").get(
                pk=contribution.pk
            ),
            save=lambda actor, obj, version, value: plan_services.write_contribution(
                actor, obj.plan, agency=obj.agency, text=value, version=version
            ),
            read=lambda obj: obj.text,
            restore=keep(PlanContribution, contribution.pk, "text", "updated_at", "updated_by"),
        )
    )

    # assessments.Assessment: a draft started for the race and discarded after it.
    draft = {}
    signed = Assessment.objects.filter(
        status=AssessmentStatus.SIGNED, assessor__username="slt.demo"
    ).select_related("case", "instrument")

    def start_draft():
        earlier = signed.order_by("-assessed_on", "-pk").first()
        draft["obj"] = assessment_services.start_assessment(
            _user("slt.demo"),
            earlier.case,
            instrument=earlier.instrument,
            assessed_on=timezone.localdate(),
            supersedes=earlier,
        )

    def discard_draft():
        if "obj" in draft:
            assessment_services.discard_draft(
                _user("slt.demo"), Assessment.objects.get(pk=draft["obj"].pk)
            )

    editors.append(
        Editor(
            "assessments.Assessment",
            "slt.demo",
            get=lambda: Assessment.objects.select_related("case", "instrument").get(
                pk=draft["obj"].pk
            ),
            save=lambda actor, obj, version, value: assessment_services.save_draft(
                actor,
                obj,
                version=version,
                ratings={},
                summary=value,
                recommended_measures=obj.recommended_measures,
                assessed_on=obj.assessed_on,
                review_on=obj.review_on,
            ),
            read=lambda obj: obj.summary,
            setup=start_draft,
            teardown=discard_draft,
        )
    )

    # agencies.Agency: the directory entry's working methods.
    agency = Agency.objects.get(name="Drammen kommune – SLT")
    editors.append(
        Editor(
            "agencies.Agency",
            "leder.demo",
            get=lambda: Agency.objects.get(pk=agency.pk),
            save=lambda actor, obj, version, value: agency_services.update_directory_entry(
                actor, obj, {"working_methods": value}, version=version
            ),
            read=lambda obj: obj.working_methods,
            restore=keep(Agency, agency.pk, "working_methods"),
        )
    )

    # networks.Network and networks.Forum: administered by slt.demo.
    network = Network.objects.get(name__startswith="SLT-nettverket")
    editors.append(
        Editor(
            "networks.Network",
            "slt.demo",
            get=lambda: Network.objects.get(pk=network.pk),
            save=lambda actor, obj, version, value: network_services.update_network(
                actor, obj, version=version, mandate=obj.mandate, meeting_rhythm=value
            ),
            read=lambda obj: obj.meeting_rhythm,
            restore=keep(Network, network.pk, "meeting_rhythm"),
        )
    )
    forum = Forum.objects.filter(network=network).order_by("pk").first()
    editors.append(
        Editor(
            "networks.Forum",
            "slt.demo",
            get=lambda: Forum.objects.select_related("network").get(pk=forum.pk),
            save=lambda actor, obj, version, value: network_services.save_forum(
                actor,
                obj.network,
                name=obj.name,
                audience=obj.audience,
                meeting_rhythm=value,
                agencies=list(obj.agencies.all()),
                forum=obj,
                version=version,
            ),
            read=lambda obj: obj.meeting_rhythm,
            restore=keep(Forum, forum.pk, "meeting_rhythm"),
        )
    )

    # events.Event: its place.
    event = Event.objects.select_related("organiser").order_by("pk").first()
    organiser = (
        get_user_model()
        .objects.filter(memberships__agency=event.organiser, memberships__is_active=True)
        .order_by("pk")
        .values_list("username", flat=True)
        .first()
    )
    editors.append(
        Editor(
            "events.Event",
            event.created_by.username if event.created_by_id else organiser,
            get=lambda: Event.objects.select_related("organiser", "network").get(pk=event.pk),
            save=lambda actor, obj, version, value: event_services.update_event(
                actor, obj, version=version, place=value
            ),
            read=lambda obj: obj.place,
            restore=keep(Event, event.pk, "place"),
        )
    )
    # guidance.LibraryResource: the description of a shipped entry, as the demo RVTS user.
    resource = LibraryResource.objects.get(slug="utveier")
    editors.append(
        Editor(
            "guidance.LibraryResource",
            "rvts.demo",
            get=lambda: LibraryResource.objects.get(pk=resource.pk),
            save=lambda actor, obj, version, value: library_services.change_resource(
                actor, obj, version=version, description=value
            ),
            read=lambda obj: obj.description,
            restore=keep(LibraryResource, resource.pk, "description"),
        )
    )
    # meetings.ForumMeeting: its place (the demo meeting; no attendance recorded).
    meeting = ForumMeeting.objects.order_by("pk").first()
    editors.append(
        Editor(
            "meetings.ForumMeeting",
            "slt.demo",
            get=lambda: ForumMeeting.objects.select_related("forum__network").get(pk=meeting.pk),
            save=lambda actor, obj, version, value: meeting_services.update_meeting(
                actor,
                obj,
                version=version,
                starts_at=obj.starts_at,
                place=value,
                status=obj.status,
                attended=[],
            ),
            read=lambda obj: obj.place,
            restore=keep(ForumMeeting, meeting.pk, "place"),
        )
    )
    # consent.InformationRequest: declined once by the asked agency (a request made for the
    # rounds and removed after them; the demo has none).
    from tverrnett.consent import information_requests as rfi_services
    from tverrnett.consent.models import InformationRequest, LegalBasis

    police = _user("politi.demo")
    request_holder = {}

    def make_information_request():
        case = ConcernCase.objects.get(pk=case_pk)
        asker = _user("slt.demo")
        request_holder["pk"] = InformationRequest.objects.create(
            case=case,
            asking_agency=case.coordinator_role.agency,
            asked_by=asker,
            recipient_agency=police.memberships.filter(is_active=True).first().agency,
            # Any basis of the catalogue: the rounds only decline the request.
            legal_basis=LegalBasis.objects.order_by("pk").first(),
            legal_basis_citation="Testgrunnlag § 1",
            question="Kjenner politiet til personen? (samtidige lagringer)",
            deadline=timezone.localdate() + datetime.timedelta(days=7),
        ).pk

    editors.append(
        Editor(
            "consent.InformationRequest",
            "politi.demo",
            get=lambda: InformationRequest.objects.select_related("case").get(
                pk=request_holder["pk"]
            ),
            save=lambda actor, obj, version, value: rfi_services.decline(
                actor, obj, version=version, reason=value
            ),
            read=lambda obj: obj.decline_reason,
            setup=make_information_request,
            before_round=lambda obj: InformationRequest.objects.filter(pk=obj.pk).update(
                status="open", decline_reason="", answered_by=None, answered_at=None
            ),
            teardown=lambda: InformationRequest.objects.filter(pk=request_holder["pk"]).delete(),
        )
    )
    # records.ArchivePackage: the archive's receipt, recorded once (a package of no case,
    # made for the rounds and removed after them).
    from tverrnett.records import services as records_services
    from tverrnett.records.models import ArchivePackage

    officer = _user("arkiv.demo")
    package_holder = {}

    def make_package():
        package_holder["pk"] = ArchivePackage.objects.create(
            agency=officer.memberships.get(role="records_officer").agency,
            created_by=officer,
            directory="concurrent-saves-test",
            checksum="0" * 64,
            case_ids=[],
        ).pk

    def as_records_officer(actor):
        actor.acting_membership = actor.memberships.get(role="records_officer")
        return actor

    editors.append(
        Editor(
            "records.ArchivePackage",
            "arkiv.demo",
            get=lambda: ArchivePackage.objects.get(pk=package_holder["pk"]),
            save=lambda actor, obj, version, value: records_services.record_receipt(
                as_records_officer(actor), obj, reference=value, version=version
            ),
            read=lambda obj: obj.receipt_reference,
            setup=make_package,
            before_round=lambda obj: ArchivePackage.objects.filter(pk=obj.pk).update(
                receipt_reference="", receipt_recorded_at=None, receipt_recorded_by=None
            ),
            teardown=lambda: ArchivePackage.objects.filter(pk=package_holder["pk"]).delete(),
        )
    )
    return editors


def _attempt(editor, actor, value, outcomes, name, read_together=None, obj=None):
    """Read the row (or take `obj`, read earlier), wait for the other thread to have
    read it too (`read_together`), and save `value`."""
    try:
        obj = obj or editor.get()
        outcomes[name + ":read"] = obj.version
        if read_together:
            read_together.wait(10)
        editor.save(actor, obj, obj.version, value)
        outcomes[name] = "saved"
    except StaleEdit:
        outcomes[name] = "refused"
    except ValidationError as error:
        # The role's handover has its own stale error (a ValidationError named StaleRole).
        stale = type(error).__name__.startswith("Stale")
        outcomes[name] = "refused" if stale else f"error: {error}"
    except Exception as error:  # noqa: BLE001 - reported, fails the run
        outcomes[name] = f"error: {type(error).__name__}: {error}"


def _rounds(editor, actor, rounds, concurrent):
    """Yield each round's outcomes, after both saves of the round have finished."""
    values = dict(zip("AB", editor.values, strict=True))
    if not concurrent:
        # SQLite: B read the same version as A, before A saved.
        for _round in range(rounds):
            if editor.before_round:
                editor.before_round(editor.get())
            outcomes = {}
            read_by_b = editor.get()
            _attempt(editor, actor, values["A"], outcomes, "A")
            _attempt(editor, actor, values["B"], outcomes, "B", obj=read_by_b)
            yield outcomes
        return
    # PostgreSQL: two threads, each with its own connection for all rounds; in each
    # round both read the row, meet, and save at once.
    begin, read_together, end = threading.Barrier(3), threading.Barrier(2), threading.Barrier(3)
    outcomes = {}

    def worker(name):
        try:
            for _round in range(rounds):
                begin.wait(30)
                _attempt(editor, actor, values[name], outcomes, name, read_together)
                end.wait(30)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in "AB"]
    for thread in threads:
        thread.start()
    try:
        for _round in range(rounds):
            if editor.before_round:
                editor.before_round(editor.get())
            outcomes.clear()
            begin.wait(30)
            end.wait(30)
            yield dict(outcomes)
    finally:
        for thread in threads:
            thread.join(30)


def run(rounds=None):
    rounds = rounds or int(os.environ.get(ROUNDS_ENV) or DEFAULT_ROUNDS)
    concurrent = connection.vendor == "postgresql"
    report = {"vendor": connection.vendor, "rounds": rounds, "models": {}, "problems": []}
    started = time.monotonic()
    editors = _editors()
    report["unchecked"] = sorted(set(versioned_models()) - {e.label for e in editors})
    for editor in editors:
        actor = _user(editor.actor)
        values = dict(zip("AB", editor.values, strict=True))
        counts = {"won": 0, "refused": 0, "lost": 0}
        if editor.setup:
            editor.setup()
        try:
            for number, outcomes in enumerate(_rounds(editor, actor, rounds, concurrent)):
                row = editor.get()
                saved = [name for name in "AB" if outcomes.get(name) == "saved"]
                refused = [name for name in "AB" if outcomes.get(name) == "refused"]
                counts["won"] += len(saved)
                counts["refused"] += len(refused)
                # A save told "saved" whose value the row does not hold is a lost update.
                counts["lost"] += sum(1 for name in saved if editor.read(row) != values[name])
                read = {outcomes.get("A:read"), outcomes.get("B:read")}
                if len(saved) != 1 or len(refused) != 1 or len(read) != 1:
                    report["problems"].append(f"{editor.label} round {number}: {outcomes}")
                elif row.version != read.pop() + 1:
                    report["problems"].append(f"{editor.label} round {number}: v{row.version}")
        finally:
            if editor.restore:
                editor.restore(editor.get())
            if editor.teardown:
                editor.teardown()
        report["models"][editor.label] = counts
    report["seconds"] = round(time.monotonic() - started, 2)
    return report


def main():
    print(json.dumps(run()))
