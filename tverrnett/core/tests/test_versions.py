"""Every editable record carries its version (C5, issue 18 item 2).

An editable record type is a model whose rows a user changes after creating them
through a form (an edit page, a status change with free text). Those carry a
`version`, their forms carry it hidden, and their service saves with
`tverrnett.core.versions.claim`. The concurrent-save check in
tests/browser/concurrent_edits.py races every model with a `version`.

The tests below keep that list whole: every model of the project is either
versioned or named here with the reason it needs no version, so a new model fails
until someone decides; and every ModelForm (the usual way to edit a row) edits a
versioned model unless it only creates rows.
"""

import importlib
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.db import models

import tverrnett
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.core.versions import VERSION_FIELD, StaleEdit, claim

APPEND_ONLY = "append-only: a record of what happened, never changed"
CATALOGUE = "reference data or a catalogue loaded from files, not edited in the app"
ONCE = "changed once (answered, decided, done, ended) under a row lock that refuses a second"
PARENT = "edited only together with its parent, under the parent's version"
NO_TEXT = "system bookkeeping or a choice without text; the last choice is the record"

# Models without a version, and why none is needed. A model added to the project must
# be versioned or listed here; listing it is a decision a reviewer sees.
WITHOUT_VERSION = {
    "useradmin.Invitation": ONCE,
    "accounts.Membership": ONCE,
    "cases.Removal": ONCE,
    "accounts.OidcDevice": NO_TEXT,
    "accounts.OidcSession": NO_TEXT,
    "accounts.User": NO_TEXT,
    "agencies.SpecialCategoryPermission": ONCE,
    "announcements.Announcement": APPEND_ONLY,
    "announcements.ReadReceipt": APPEND_ONLY,
    "assessments.Instrument": CATALOGUE + " (its `version` is the published one, text)",
    "assessments.RaterCertification": ONCE,
    "assessments.Rating": PARENT + " (the assessment)",
    "documents.CaseDocument": "never changed: its title is fixed; a new version is a new "
    "DocumentVersion row, numbered under the document's row lock",
    "documents.DocumentVersion": APPEND_ONLY,
    "audit.AuditEntry": APPEND_ONLY,
    "audit.AuditSeal": APPEND_ONLY,
    "cases.BreakGlassAccess": ONCE,
    "cases.Guardian": PARENT + " (the person, through the case)",
    "cases.JournalEntry": APPEND_ONLY + "; a correction is a new entry",
    "cases.Resource": APPEND_ONLY + "; added and removed, never edited",
    "cases.Responsibility": APPEND_ONLY + "; added and removed, never edited",
    "cases.SecurityClarification": PARENT + " (the case: its form carries the case's version)",
    "cases.TeamMember": NO_TEXT,
    "cases.TimelineEvent": APPEND_ONLY,
    "consent.AccessReport": APPEND_ONLY,
    "consent.ConfidentialityDeclaration": ONCE,
    "consent.Consent": ONCE,
    "consent.ConsentWithdrawal": APPEND_ONLY,
    "consent.DisclosedItem": APPEND_ONLY,
    "consent.DisclosedPart": APPEND_ONLY,
    "consent.Disclosure": APPEND_ONLY,
    "consent.DisclosureFollowUp": ONCE,
    "consent.DisclosureNotice": ONCE,
    "consent.LegalBasis": CATALOGUE,
    "consent.WithdrawalRequest": APPEND_ONLY + " (the person's request; the task is the work)",
    "consent.RecipientBasis": APPEND_ONLY,
    "consent.SectorProfile": CATALOGUE,
    "duplicates.CaseMerge": APPEND_ONLY,
    "duplicates.DuplicateNotice": ONCE,
    "meetings.AgendaDecision": APPEND_ONLY + " (links a meeting's item to the task it became)",
    "meetings.AgendaItem": APPEND_ONLY + "; put on the agenda, never edited",
    "meetings.AgendaMinutes": APPEND_ONLY + " (links an item to its journal entry)",
    "meetings.MeetingAttendee": PARENT + " (the meeting)",
    "events.EventMaterial": APPEND_ONLY + "; uploaded and deleted, never edited",
    "events.Registration": APPEND_ONLY + "; made and cancelled, never edited",
    "exitwork.ChildCaseLink": APPEND_ONLY,
    "exitwork.ExitWork": PARENT + " (the case: written when the case closes)",
    "exitwork.FollowUpReview": ONCE,
    "geography.Municipality": CATALOGUE,
    "geography.PoliceDistrict": CATALOGUE,
    "geography.RvtsRegion": CATALOGUE,
    "guidance.GuidanceRequest": ONCE,
    "logreview.MonthlySample": APPEND_ONLY,
    "logreview.Review": APPEND_ONLY,
    "measures.MeasureType": CATALOGUE,
    "networks.NetworkMember": ONCE,
    "networks.RoleHandover": APPEND_ONLY,
    "notices.CoordinatorChange": ONCE,
    "notices.Delivery": NO_TEXT,
    # The worker's last round per host (metrics); only the worker writes it.
    "core.WorkerHeartbeat": NO_TEXT,
    # Uploaded files in the database (tverrnett.filestore): stored once under a random
    # name and deleted, never changed; a new version of a document is a new file.
    "filestore.StoredFile": APPEND_ONLY,
    "filestore.StoredFileChunk": PARENT,
    "filestore.CacheEntry": NO_TEXT,
    "notices.Notice": ONCE,
    "notices.NoticeChain": ONCE,
    "notices.NoticeEvent": APPEND_ONLY,
    "records.CaseRetention": ONCE + " (its package is set once, where none is)",
    "records.DeletionPermit": NO_TEXT + " (lives inside one transaction)",
    "records.LegalHold": ONCE + " (lifted once, where still open)",
    "records.RetentionRule": CATALOGUE + " (confirmed once, where not yet)",
    "records.Tombstone": APPEND_ONLY,
    "plans.PlanComment": APPEND_ONLY + " (the person's own comment; never edited)",
    "plans.PlanGoal": APPEND_ONLY + "; added and removed, never edited",
    "plans.PlanRevision": PARENT + " (the plan: marked done when it is finalised)",
    "plans.PlanVersion": APPEND_ONLY + " (its save refuses a change)",
}

# ModelForms whose model has no version, and why that is safe.
CREATE_ONLY_FORMS = {
    # Adds a person from the case's own network; resources are removed, never edited.
    "tverrnett.cases.forms.ResourceForm",
    # Edits the clarification under the case's version (it is a VersionedForm).
    "tverrnett.cases.forms.SecurityClarificationForm",
}


def _project_models():
    return [m for m in apps.get_models() if m.__module__.startswith("tverrnett.")]


def _is_versioned(model):
    fields = {field.name: field for field in model._meta.concrete_fields}
    return isinstance(fields.get(VERSION_FIELD), models.IntegerField)


def _project_model_forms():
    for module in pkgutil.walk_packages(tverrnett.__path__, "tverrnett."):
        name = module.name
        if name.rsplit(".", 1)[-1] == "forms" or name.endswith(".views"):
            importlib.import_module(name)
    found, todo = set(), [forms.ModelForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("tverrnett.") and sub._meta.model is not None:
                found.add(sub)
    return found


def test_every_model_is_versioned_or_says_why_it_needs_no_version():
    unclassified = sorted(
        model._meta.label
        for model in _project_models()
        if not _is_versioned(model) and model._meta.label not in WITHOUT_VERSION
    )
    assert unclassified == [], (
        "Give these models a `version` (and a compare-and-swap save, see "
        "tverrnett/core/versions.py) or add them to WITHOUT_VERSION with the reason"
    )


def test_the_list_of_models_without_a_version_is_not_stale():
    labels = {model._meta.label: model for model in _project_models()}
    stale = sorted(
        label for label in WITHOUT_VERSION if label not in labels or _is_versioned(labels[label])
    )
    assert stale == []


def test_the_editable_models_are_the_ones_users_edit():
    """The walk finds the record types with edit pages and edit services, the plan's
    measures among them (issue 18: their lost update)."""
    versioned = {model._meta.label for model in _project_models() if _is_versioned(model)}

    assert versioned == {
        "agencies.Agency",
        "assessments.Assessment",
        "cases.ChecklistItem",
        "cases.ConcernCase",
        "cases.Person",
        "cases.Task",
        "consent.InformationRequest",
        "conversations.ContactAgreement",
        "conversations.Conversation",
        "events.Event",
        "guidance.LibraryResource",
        "measures.Measure",
        "meetings.ForumMeeting",
        "networks.Forum",
        "networks.Network",
        "networks.Role",
        "plans.IndividualPlan",
        "plans.PlanContribution",
        "plans.PlanMeasure",
        "records.ArchivePackage",
    }


def test_every_model_form_edits_a_versioned_model_or_only_creates():
    model_forms = _project_model_forms()
    unversioned = sorted(
        f"{form.__module__}.{form.__qualname__}"
        for form in model_forms
        if not _is_versioned(form._meta.model)
    )

    assert model_forms, "the walk found no ModelForm at all"
    assert set(unversioned) <= CREATE_ONLY_FORMS, (
        "A ModelForm edits a model without a version: give the model a version and the "
        "form a hidden `version` field, or, if the form only creates, list it in "
        "CREATE_ONLY_FORMS with the reason"
    )
    assert set(unversioned) == CREATE_ONLY_FORMS, "CREATE_ONLY_FORMS names a form that is gone"


def test_every_model_form_of_a_versioned_model_carries_the_version():
    missing = sorted(
        f"{form.__module__}.{form.__qualname__}"
        for form in _project_model_forms()
        if _is_versioned(form._meta.model)
        and not isinstance(form.base_fields.get(VERSION_FIELD), forms.IntegerField)
    )
    assert missing == []


# The compare-and-swap itself ----------------------------------------------------------


@pytest.fixture
def agency(db):
    return Agency.objects.create(name="Testetaten", agency_type=AgencyType.NAV)


def test_a_save_at_the_version_read_is_kept_and_moves_the_version_on(agency):
    claim(agency, 1, mandate="Ny tekst.")

    agency.refresh_from_db()
    assert (agency.mandate, agency.version) == ("Ny tekst.", 2)


def test_a_save_from_an_older_version_is_refused_and_changes_nothing(agency):
    first, second = Agency.objects.get(pk=agency.pk), Agency.objects.get(pk=agency.pk)
    claim(first, first.version, mandate="Først.")

    with pytest.raises(StaleEdit):
        claim(second, second.version, mandate="Sist.")

    agency.refresh_from_db()
    assert (agency.mandate, agency.version) == ("Først.", 2)


def test_a_save_without_a_version_is_refused(agency):
    with pytest.raises(StaleEdit):
        claim(agency, None, mandate="Uten versjon.")
    agency.refresh_from_db()
    assert agency.mandate == ""


def test_a_save_of_a_removed_record_is_refused_and_does_not_bring_it_back(agency):
    read = Agency.objects.get(pk=agency.pk)
    Agency.objects.filter(pk=agency.pk).delete()

    with pytest.raises(StaleEdit) as refused:
        claim(read, read.version, mandate="Tilbake?")

    assert "fjernet" in str(refused.value)
    assert not Agency.objects.filter(pk=agency.pk).exists()


def test_a_condition_beyond_the_version_must_hold_too(agency):
    with pytest.raises(StaleEdit):
        claim(agency, 1, only_if={"is_active": False}, mandate="Bare for inaktive.")
    agency.refresh_from_db()
    assert (agency.mandate, agency.version) == ("", 1)
