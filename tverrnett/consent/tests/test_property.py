"""A property: whatever happens on a case, each disclosure succeeds exactly when the rules
say it may, and every user reads exactly the items the rules allow (C1, L01, L05, L12,
L13, L49).

Hypothesis draws a team, items written by its members, and a sequence of consents,
withdrawals, corrections and disclosure attempts by users on and off the team. A model
in plain Python, written from the rules and the test catalogue's data (never from
the services or the policy), says which attempts must succeed and who may read what.

Each example runs in a savepoint that is rolled back, so examples do not see each
other's rows. The users and agencies, and one case for each team an example may
draw (put together by the owner with add_team_member), are made once per test.

Run with CI=true for 2,000 examples (HYPOTHESIS_EXAMPLES overrides); `--hypothesis-
show-statistics` shows how often disclosures succeeded and the volunteer read something.
"""

import datetime
import itertools
import json
import os
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tverrnett.access import policy
from tverrnett.cases import services as case_services
from tverrnett.cases.models import JournalEntry
from tverrnett.cases.services import StaleEdit
from tverrnett.consent import services
from tverrnett.consent.tests.conftest import TEST_CATALOGUE
from tverrnett.networks.models import ForumAudience

# The model ------------------------------------------------------------------------------
#
# The rules, restated from REQUIREMENTS.md (L01, L05, L11-L13, L49) and the data of
# tests/catalogue.json, read here as plain JSON.

_DATA = json.loads(TEST_CATALOGUE.read_text(encoding="utf-8"))


def _day(value):
    return datetime.date.fromisoformat(value) if value else None


BASES = {
    entry["code"]: {
        "kind": entry["kind"],
        "senders": set(entry["agency_types"]),
        "recipients": set(entry["recipient_agency_types"]),
        "confirmations": set(entry["confirmations"]),
        "from": _day(entry["valid_from"]),
        "to": _day(entry["valid_to"]),
    }
    for entry in _DATA["bases"]
}
EXCLUDED_BY_SECTOR = {
    sector: set(profile["excluded_bases"]) for sector, profile in _DATA["sector_profiles"].items()
}
CATEGORIES = [
    "personal_details",
    "concern",
    "family",
    "school_work",
    "health",
    "beliefs",
    "offences",
    "measures",
]
# A special-category tag on an item needs the consent to name this category too.
TAG_NEEDS = {
    "health_data": "health",
    "religious_beliefs": "beliefs",
    "political_opinions": "beliefs",
    "offences": "offences",
}
CONFIRMATIONS = ["anonymised_not_enough", "minimum_information"]
FAR_FUTURE = datetime.date(2099, 1, 2)

# Agencies, by key: (fixture name of the agency, its type).
AGENCY_TYPES = {
    "slt": "slt",
    "nav": "nav",
    "school": "school",
    "child_welfare": "child_welfare",
    "volunteer": "voluntary_org",
    "outsider": "nav",
}
# Users, by key: the agency they work for. The volunteer has accepted the declaration.
USERS = {
    "owner": "slt",
    "partner": "nav",
    "teacher": "school",
    "child_welfare_worker": "child_welfare",
    "volunteer": "volunteer",
    "outsider": "outsider",
}
# Agencies the owner may put on the team besides its own (at most four in all).
ADDABLE = ["nav", "school", "child_welfare", "volunteer"]
WRITERS = ["owner", "partner", "teacher", "child_welfare_worker"]


def basis_valid(code, day):
    basis = BASES[code]
    return basis["from"] <= day and (basis["to"] is None or day <= basis["to"])


@dataclass
class Version:
    entry: object  # the JournalEntry
    agency: str
    category: str
    tags: frozenset
    current: bool = True

    @property
    def pk(self):
        return self.entry.pk

    @property
    def needs(self):
        return {self.category} | {TAG_NEEDS[tag] for tag in self.tags}

    @property
    def sector(self):
        return AGENCY_TYPES[self.agency]


@dataclass
class ConsentModel:
    obj: object
    recipients: set
    categories: set
    starts_on: datetime.date
    ends_on: datetime.date
    given: bool
    withdrawn: bool = False

    def valid_on(self, day):
        return self.given and not self.withdrawn and self.starts_on <= day <= self.ends_on


@dataclass
class Model:
    case: object
    today: datetime.date
    team: set
    versions: list = field(default_factory=list)
    consents: list = field(default_factory=list)
    # agency key -> [(version pks, the consent they went under or None)]
    received: dict = field(default_factory=dict)

    def works(self, user):
        """Case work on this case: a case-work agency on the team (the owner coordinates)."""
        agency = USERS[user]
        if user == "owner":
            return True
        return agency in self.team and AGENCY_TYPES[agency] != "voluntary_org"

    def current_of(self, agency):
        return [
            version for version in self.versions if version.agency == agency and version.current
        ]

    def consent_basis(self, sender, day):
        sender_type = AGENCY_TYPES[sender]
        return any(
            basis["kind"] == "consent"
            and sender_type in basis["senders"]
            and basis_valid(code, day)
            for code, basis in BASES.items()
        )

    def disclose(self, user, versions, recipient, consent, basis, note, confirmations, day):
        if not self.works(user):
            return "denied"
        sender = USERS[user]
        if any(version.agency != sender or not version.current for version in versions):
            return "denied"
        if recipient == sender or recipient not in self.team:
            return "invalid"
        if (consent is None) == (basis is None):
            return "invalid"
        needs = set().union(*(version.needs for version in versions))
        if consent is not None:
            if not consent.valid_on(day):
                return "invalid"
            if recipient not in consent.recipients or needs - consent.categories:
                return "invalid"
            return "ok" if self.consent_basis(sender, day) else "invalid"
        rules = BASES[basis]
        if (
            rules["kind"] != "statutory"
            or not basis_valid(basis, day)
            or AGENCY_TYPES[sender] not in rules["senders"]
            or AGENCY_TYPES[recipient] not in rules["recipients"]
            or any(basis in EXCLUDED_BY_SECTOR.get(v.sector, ()) for v in versions)
            or not note
            or rules["confirmations"] - set(confirmations)
        ):
            return "invalid"
        return "ok"

    def sees_case(self, user):
        if self.works(user):
            return True
        agency = USERS[user]
        return AGENCY_TYPES[agency] == "voluntary_org" and any(
            agency in consent.recipients and consent.valid_on(self.today)
            for consent in self.consents
        )

    def reads(self, user):
        if not self.sees_case(user):
            return set()
        agency = USERS[user]
        # A withdrawal ends the recipient's access to what went under the consent (L13).
        received = {
            pk
            for pks, consent in self.received.get(agency, [])
            if consent is None or not consent.withdrawn
            for pk in pks
        }
        return {
            version.pk
            for version in self.versions
            if (version.agency == agency and version.current) or version.pk in received
        }


# The world, made once per test ---------------------------------------------------------


def team_choices():
    """Every team the examples draw from: up to two public agencies besides the owner's,
    with or without the voluntary organisation."""
    public = [key for key in ADDABLE if key != "volunteer"]
    teams = [frozenset(c) for n in range(3) for c in itertools.combinations(public, n)]
    return teams + [team | {"volunteer"} for team in teams]


@pytest.fixture
def world(
    catalogue,
    register,
    owner,
    owner_agency,
    partner,
    partner_agency,
    school_user,
    school_agency,
    child_welfare_user,
    child_welfare_agency,
    volunteer,
    volunteer_agency,
    outsider,
    outsider_agency,
):
    services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    agencies = {
        "slt": owner_agency,
        "nav": partner_agency,
        "school": school_agency,
        "child_welfare": child_welfare_agency,
        "volunteer": volunteer_agency,
        "outsider": outsider_agency,
    }
    # One case per team, its team put together by the owner once. An example draws a team
    # by drawing its case; what the example does to it is rolled back.
    cases = {}
    for team in team_choices():
        case = register(
            person={"name": "Kari Nordmann", "birth_year": 1990}, audience=ForumAudience.ADULTS
        )
        for key in sorted(team):
            case_services.add_team_member(owner, case, agency=agencies[key], contact_name="Kontakt")
        cases[team] = case
    return {
        "cases": cases,
        "bases": catalogue,
        "agencies": agencies,
        "users": {
            "owner": owner,
            "partner": partner,
            "teacher": school_user,
            "child_welfare_worker": child_welfare_user,
            "volunteer": volunteer,
            "outsider": outsider,
        },
    }


def outcome(call):
    """Run a service call; say how it ended."""
    try:
        result = call()
    except PermissionDenied:
        return "denied", None
    except ValidationError:
        return "invalid", None
    except StaleEdit:
        return "stale", None
    return "ok", result


# Drawing ----------------------------------------------------------------------------------

tags_strategy = st.frozensets(st.sampled_from(sorted(TAG_NEEDS)), max_size=2)
offsets = st.integers(min_value=-15, max_value=15)


def mostly(data):
    """True four times in five, and when Hypothesis shrinks an example."""
    return data.draw(st.integers(min_value=0, max_value=4)) < 4


def draw_actor(data, model):
    """Mostly someone who works on the case; sometimes anyone (the outsider, the volunteer)."""
    if mostly(data):
        return data.draw(st.sampled_from([user for user in USERS if model.works(user)]))
    return data.draw(st.sampled_from(list(USERS)))


def draw_recipient(data, model, sender):
    others = sorted(model.team - {sender})
    if "volunteer" in others:
        others.append("volunteer")  # twice as likely: it is reached one way only
    if others and mostly(data):
        return data.draw(st.sampled_from(others))
    return data.draw(st.sampled_from(list(AGENCY_TYPES)))


def draw_day(data, model):
    """The `today=` of a disclosure: the real day, a day around it, or far in the future."""
    choice = data.draw(st.integers(min_value=0, max_value=9))
    if choice < 5:
        return None
    if choice == 9:
        return FAR_FUTURE
    return model.today + datetime.timedelta(days=data.draw(offsets))


def write_items(world, model, data):
    """One to five items by members of the team. Inserted in one query rather than through
    write_journal_entry (tested in test_services), so each example stays cheap; the
    fields are the ones that service sets: the writer's agency and its type as sector."""
    drawn = []
    for _ in range(data.draw(st.integers(min_value=1, max_value=5))):
        writer = data.draw(st.sampled_from([user for user in WRITERS if model.works(user)]))
        drawn.append((writer, data.draw(st.sampled_from(CATEGORIES)), data.draw(tags_strategy)))
    entries = JournalEntry.objects.bulk_create(
        JournalEntry(
            case=model.case,
            agency=world["agencies"][USERS[writer]],
            author=world["users"][writer],
            confidentiality="confidential",
            text="Notat.",
            category=category,
            sector=AGENCY_TYPES[USERS[writer]],
            **dict.fromkeys(tags, True),
        )
        for writer, category, tags in drawn
    )
    for entry, (writer, category, tags) in zip(entries, drawn, strict=True):
        model.versions.append(Version(entry, USERS[writer], category, tags))


def give_consent(world, model, data):
    actor = draw_actor(data, model)
    if mostly(data):
        # A broad consent, running today: most of the team and perhaps the voluntary
        # organisation, most categories.
        usual = sorted(model.team | {"volunteer"})
        recipients = set(usual) - data.draw(st.sets(st.sampled_from(usual), max_size=1))
        recipients |= data.draw(st.sets(st.sampled_from(list(AGENCY_TYPES)), max_size=1))
        recipients = recipients or {"volunteer"}
        categories = set(CATEGORIES) - data.draw(st.sets(st.sampled_from(CATEGORIES), max_size=2))
        starts_on = model.today - datetime.timedelta(days=data.draw(st.integers(0, 10)))
        ends_on = model.today + datetime.timedelta(days=data.draw(st.integers(0, 15)))
    else:
        recipients = data.draw(st.sets(st.sampled_from(list(AGENCY_TYPES)), min_size=1))
        categories = data.draw(st.sets(st.sampled_from(CATEGORIES), min_size=1, max_size=4))
        starts_on = model.today + datetime.timedelta(days=data.draw(st.integers(-10, 5)))
        ends_on = starts_on + datetime.timedelta(days=data.draw(st.integers(0, 15)))
    given = mostly(data)
    user = world["users"][actor]

    def prepare_and_answer():
        consent = services.prepare_consent(
            user,
            model.case,
            consenter_name="Kari Nordmann",
            capacity="the_person",
            purpose="Samordnet oppfølging",
            categories=sorted(categories),
            recipients=[world["agencies"][key] for key in sorted(recipients)],
            starts_on=starts_on,
            ends_on=ends_on,
            language="norsk",
            interpreter_used=False,
        )
        if given:
            return services.record_consent_answer(
                user,
                consent,
                decision="given",
                form="oral",
                oral_recorded_by="Eva Eier",
                oral_record_reference="Journalnotat",
            )
        return services.record_consent_answer(user, consent, decision="refused")

    expected = "ok" if model.works(actor) else "denied"
    actual, consent = outcome(prepare_and_answer)
    assert actual == expected, ("consent", actor)
    if actual == "ok":
        model.consents.append(
            ConsentModel(consent, recipients, categories, starts_on, ends_on, given)
        )


def withdraw(world, model, data):
    if not model.consents:
        return
    consent = data.draw(st.sampled_from(model.consents))
    actor = draw_actor(data, model)
    if not model.works(actor):
        expected = "denied"
    elif not consent.given or consent.withdrawn:
        expected = "invalid"
    else:
        expected = "ok"
    actual, _ = outcome(
        lambda: services.withdraw_consent(
            world["users"][actor], consent.obj, withdrawn_on=model.today, note="Ringte i dag."
        )
    )
    assert actual == expected, ("withdraw", actor)
    if actual == "ok":
        consent.withdrawn = True


def correct(world, model, data):
    if not model.versions:
        return
    actor = draw_actor(data, model)
    own = model.current_of(USERS[actor])
    version = data.draw(st.sampled_from(own if own and mostly(data) else model.versions))
    category = data.draw(st.sampled_from(CATEGORIES))
    tags = data.draw(tags_strategy)
    if not model.works(actor) or version.agency != USERS[actor]:
        expected = "denied"
    elif not version.current:
        expected = "stale"
    else:
        expected = "ok"
    actual, correction = outcome(
        lambda: services.correct_item(
            world["users"][actor],
            version.entry,
            text="Rettet.",
            confidentiality="confidential",
            reason="Feil i første versjon.",
            category=category,
            **dict.fromkeys(tags, True),
        )
    )
    assert actual == expected, ("correct", actor)
    if actual == "ok":
        version.current = False
        # A tag the correction does not name is kept (cases.services.correct_journal_entry).
        model.versions.append(Version(correction, version.agency, category, tags | version.tags))


def disclose(world, model, data):
    if not model.versions:
        return
    holders = [u for u in USERS if model.works(u) and model.current_of(USERS[u])]
    actor = (
        data.draw(st.sampled_from(holders)) if holders and mostly(data) else draw_actor(data, model)
    )
    own = model.current_of(USERS[actor])
    pool = own if own and mostly(data) else model.versions
    versions = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique_by=id))
    recipient = draw_recipient(data, model, USERS[actor])
    if recipient == "volunteer" and mostly(data):
        ground = "consent"  # no statutory basis reaches a voluntary organisation
    else:
        ground = data.draw(st.sampled_from(["consent"] * 3 + ["basis"] * 3 + ["none", "both"]))
    consent = basis = None
    if ground in ("consent", "both") and model.consents:
        naming = [c for c in model.consents if recipient in c.recipients]
        consent = data.draw(st.sampled_from(naming if naming and mostly(data) else model.consents))
    if ground in ("basis", "both") or (ground == "consent" and consent is None):
        usual = ["statutory-open", "statutory-nr7"]
        basis = data.draw(st.sampled_from(usual if mostly(data) else sorted(BASES)))
    note = "Nødvendig for å samordne tiltakene." if mostly(data) else ""
    if mostly(data):
        confirmations = list(CONFIRMATIONS)
    else:
        confirmations = sorted(data.draw(st.sets(st.sampled_from(CONFIRMATIONS))))
    day = draw_day(data, model)

    expected = model.disclose(
        actor, versions, recipient, consent, basis, note, confirmations, day or model.today
    )
    actual, disclosure = outcome(
        lambda: services.disclose(
            world["users"][actor],
            model.case,
            items=[version.entry for version in versions],
            recipient=world["agencies"][recipient],
            purpose="Samordnet oppfølging",
            consent=consent.obj if consent else None,
            legal_basis=world["bases"][basis] if basis else None,
            necessity_note=note,
            confirmations=confirmations,
            today=day,
        )
    )
    assert actual == expected, ("disclose", actor, recipient, ground, basis, day)
    event(f"disclosure under a {'consent' if consent else 'basis'}: {actual}")
    if actual == "ok":
        assert {item.pk for item in disclosure.items.all()} == {v.pk for v in versions}
        model.received.setdefault(recipient, []).append(({v.pk for v in versions}, consent))


OPERATIONS = [give_consent, withdraw, disclose, disclose, disclose, correct]


def check_visibility(world, model):
    """Every user, every version of every item: who sees the case and who reads what.

    A user who sees the case is asked as its pages ask (the access path, then the
    journal for it); anyone else through visible_journal alone, which must find no
    way in by itself."""
    case = model.case
    for key, user in world["users"].items():
        sees = policy.visible_cases(user).filter(pk=case.pk).exists()
        assert sees == model.sees_case(key), ("sees the case", key)
        if sees:
            path = policy.case_access_path(user, case)
            assert path == ("consent" if key == "volunteer" else "team"), ("path", key, path)
            journal = policy.visible_journal(user, case, path)
        else:
            journal = policy.visible_journal(user, case)
        reads = set(journal.values_list("pk", flat=True))
        assert reads == model.reads(key), ("reads", key)
        if key == "volunteer":
            event(f"the volunteer reads {'something' if reads else 'nothing'}")


@hypothesis_settings(
    # Set by .ci/run for one of the two databases; before HYPOTHESIS_EXAMPLES.
    max_examples=int(
        os.environ.get("HYPOTHESIS_EXAMPLES_ITEMS")
        or os.environ.get("HYPOTHESIS_EXAMPLES", 2000 if os.environ.get("CI") else 200)
    ),
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
    # No example database in the working tree; failures print their reproduction.
    database=None,
)
@given(data=st.data())
def test_every_disclosure_and_every_read_follows_the_rules(world, data):
    team = data.draw(st.sampled_from(team_choices()))
    with transaction.atomic():
        model = Model(case=world["cases"][team], today=timezone.localdate(), team={"slt"} | team)
        write_items(world, model, data)
        # One to six operations; mostly up to four, to keep an example quick.
        count = data.draw(st.integers(min_value=1, max_value=4 if mostly(data) else 6))
        operations = [data.draw(st.sampled_from(OPERATIONS)) for _ in range(count)]
        if mostly(data):
            # Most stories start with a consent, so that later operations can use it.
            operations[0] = give_consent
        for operation in operations:
            operation(world, model, data)
        check_visibility(world, model)
        transaction.set_rollback(True)
