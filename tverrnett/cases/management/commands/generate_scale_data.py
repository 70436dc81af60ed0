"""A large, clearly fictional data set for measuring the case pages (development only).

    DEBUG=true python manage.py migrate
    DEBUG=true python manage.py load_reference_data
    DEBUG=true python manage.py generate_scale_data --cases 100000

Agencies are spread over the real municipalities in the reference data and
carry real agency names ("Nav Bodø"); every person is invented: names are
built from a small list of made-up first and last names plus a number
("Fiktiva Prøvesen 4711"), and every free text starts with "Skaladata".

Each run adds to what is there: agencies, users, networks, forums and roles
are found by name (or created), cases and everything under them are new.
Rows are written with bulk_create, one transaction per batch of cases; the
audit entries of a batch are chained onto the last entry in the log by
`audit.services.append_generated`, under the chain lock `record` takes, and carry
the request id "generate_scale_data" so they can be told from real ones.

Exactly every tenth case lies in Oslo and is coordinated by the Oslo SLT
coordinator role, so the benchmark user `bench-koordinator` (SLT coordinator
in "Oslo kommune – SLT", with a confirmed TOTP device) has that agency on the
team of a known share of the cases. The first Oslo case of each run has a
long journal, for measuring the case page at its heaviest.
"""

import datetime
import random
import time
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.management.commands._demo import DEMO_PASSWORD, refuse_unless_debug
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.services import append_generated
from tverrnett.cases.models import (
    CaseState,
    ChecklistItem,
    ConcernCase,
    Confidentiality,
    Guardian,
    JournalEntry,
    Person,
    ProtectedAddress,
    Resource,
    Responsibility,
    SecurityClarification,
    Source,
    StepStatus,
    Task,
    TaskStatus,
    TeamMember,
    TimelineEvent,
    Urgency,
)
from tverrnett.cases.services import ADVICE_BEFORE_CONTACT
from tverrnett.geography.models import Municipality
from tverrnett.networks.models import (
    Forum,
    ForumAudience,
    Network,
    NetworkLevel,
    NetworkMember,
    Role,
    RoleKind,
)

REQUEST_ID = "generate_scale_data"
BENCH_USERNAME = "bench-koordinator"
BENCH_MUNICIPALITY = "0301"  # Oslo
BENCH_SHARE = 10  # every tenth case is on the bench agency's team
PROGRESS_EVERY = 10_000
# Most cases were registered within this window; anonymous discussions within
# the retention period (they are deleted after 90 days).
HISTORY = datetime.timedelta(days=3 * 365)
ANONYMOUS_HISTORY = datetime.timedelta(days=80)

# Invented names: no real person is called this.
FIRST_NAMES = ["Testa", "Prøvar", "Fiktiva", "Dummrik", "Eksempla", "Skissar", "Oppdikta", "Plassa"]
LAST_NAMES = [
    "Testesen",
    "Prøvesen",
    "Fiktivsen",
    "Eksempelsen",
    "Oppdiktet",
    "Skissebakk",
    "Plassholdersen",
    "Tenktlid",
]

# Agencies made in every municipality: key, type, name pattern, membership role of its user.
MUNICIPAL_AGENCIES = [
    ("slt", AgencyType.SLT, "{m} kommune – SLT", MembershipRole.SLT_COORDINATOR),
    ("nav", AgencyType.NAV, "Nav {m}", MembershipRole.CASE_WORKER),
    (
        "barnevern",
        AgencyType.CHILD_WELFARE,
        "{m} kommune – barneverntjenesten",
        MembershipRole.CASE_WORKER,
    ),
    ("helse", AgencyType.HEALTH, "{m} kommune – helsetjenesten", MembershipRole.CASE_WORKER),
    ("skole", AgencyType.SCHOOL, "{m} videregående skole", MembershipRole.CASE_WORKER),
]
FORUMS = [
    ("Samarbeidsforum for unge", ForumAudience.YOUTH, ["slt", "politi", "barnevern", "skole"]),
    ("Samarbeidsforum for voksne", ForumAudience.ADULTS, ["slt", "politi", "nav", "helse"]),
]

OBSERVATIONS = [
    "Kontaktlærer har lagt merke til endret språkbruk og nye kontakter på nett.",
    "En nabo forteller om uttalelser som kan tyde på sympati med voldelig ekstremisme.",
    "Ifølge en venn har personen delt ekstremt materiale i en gruppechat.",
    "Veilederen er bekymret etter en samtale om hevn og tydelige fiendebilder.",
    "Familien merker at personen har trukket seg unna og bruker mye tid på lukkede forum.",
    "Personen har vist fram symboler knyttet til et voldelig miljø på skolen.",
]
JOURNAL_SENTENCES = [
    "Samtale med personen i dag; stemningen var rolig og samtalen fungerte godt.",
    "Foresatte er orientert om bekymringen og ønsker å samarbeide.",
    "Personen møtte ikke til avtalt samtale. Ny tid er sendt.",
    "Drøftet saken med radikaliseringskontakten, som ikke ser behov for tiltak fra politiet nå.",
    "Skolen melder om bedre oppmøte de siste to ukene.",
    "Mentor har hatt to møter med personen og opplever god kontakt.",
    "Personen forteller om konflikter hjemme og et ønske om å flytte.",
    "Avtalt oppfølgingsmøte i samarbeidsforum neste måned.",
    "Det er ikke kommet nye opplysninger siden forrige notat.",
    "Personen har begynt på arbeidstrening gjennom Nav og trives.",
]
TASK_TITLES = [
    "Innkalle til samarbeidsforum",
    "Bekymringssamtale med personen",
    "Kontakte foresatte",
    "Avklare skoletilbud",
    "Følge opp boligsituasjonen",
    "Vurdere henvisning til helsetjenesten",
    "Oppdatere handlingsplanen",
    "Avtale møte med mentor",
]
RESPONSIBILITIES = [
    "Følge opp skolegang",
    "Bekymringssamtaler",
    "Arbeid og aktivitet",
    "Kontakt med familien",
    "Helsehjelp",
]
STATE_WEIGHTS = [
    (CaseState.REGISTERED, 10),
    (CaseState.SECURITY_CLARIFICATION, 15),
    (CaseState.MAPPING, 35),
    (CaseState.FOLLOW_UP, 40),
]
SOURCES = [
    (Source.OWN_OBSERVATION, 30),
    (Source.FAMILY, 15),
    (Source.SCHOOL, 20),
    (Source.SOCIAL_MEDIA, 10),
    (Source.POLICE, 5),
    (Source.OTHER_AGENCY, 15),
    (Source.THE_PERSON, 3),
    (Source.OTHER, 2),
]
CONFIDENTIALITY = [
    (Confidentiality.ORDINARY, 60),
    (Confidentiality.CONFIDENTIAL, 35),
    (Confidentiality.SENSITIVE, 5),
]
VIEWED_PARTS = ["journal", "summary", "tasks", "team", "timeline"]


def _weighted(rng, pairs):
    return rng.choices([value for value, _w in pairs], weights=[w for _v, w in pairs])[0]


def _text(rng, sentences, count):
    return "Skaladata (fiktiv): " + " ".join(rng.sample(sentences, count))


class Command(BaseCommand):
    help = (
        "Add a large, fictional data set (agencies, networks, roles, people, cases, tasks, "
        "journal, timeline, audit entries) for benchmarks. Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="How many cases to add.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=2000,
            help="Cases written per transaction (default 2000).",
        )
        parser.add_argument(
            "--municipalities",
            type=int,
            default=0,
            help="Spread the cases over this many current municipalities (default: all).",
        )

    def handle(self, *args, cases, seed, batch_size, municipalities, **options):
        refuse_unless_debug()
        if cases < 1 or batch_size < 1:
            raise CommandError("--cases and --batch-size must be at least 1.")
        started = time.perf_counter()
        self.rng = random.Random(seed)  # noqa: S311  (made-up data, not secrets)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.counts = defaultdict(int)
        if connection.vendor == "sqlite":
            # This connection only: a bigger page cache keeps the indexes of a
            # large file in memory while it grows (the default is 2 MB).
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")

        with transaction.atomic():
            places = self._places(municipalities)
            self._set_up(places)
        setup_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Set up {len(places)} municipalities with agencies, users, networks, forums and "
            f"roles in {setup_seconds:.1f} s."
        )

        self.person_number = Person.objects.count()
        done = 0
        next_report = PROGRESS_EVERY
        while done < cases:
            size = min(batch_size, cases - done)
            with transaction.atomic():
                self._write_batch(done, size, cases)
            done += size
            if done >= next_report or done == cases:
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  {done:>9,} / {cases:,} cases  ({elapsed:.1f} s)")
                while next_report <= done:
                    next_report += PROGRESS_EVERY

        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{count:,} {name}" for name, count in self.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Added {summary} in {elapsed:.1f} s."))
        self.stdout.write(
            f"Benchmark user: {BENCH_USERNAME} (password {DEMO_PASSWORD}; "
            f"`manage.py demo_code {BENCH_USERNAME}` prints the second factor), acting for "
            f"{self.bench_agency.name}: on the team of every {BENCH_SHARE}th case."
        )

    # Set-up: the places and the people who work there --------------------------

    def _places(self, limit):
        current = list(
            Municipality.objects.filter(valid_to__isnull=True)
            .select_related("police_district")
            .order_by("number")
        )
        if not current:
            raise CommandError("No municipalities. Run `manage.py load_reference_data` first.")
        bench = next((m for m in current if m.number == BENCH_MUNICIPALITY), current[0])
        others = [m for m in current if m.pk != bench.pk]
        if limit and limit < len(current):
            others = sorted(self.rng.sample(others, max(limit - 1, 0)), key=lambda m: m.number)
        self.bench_municipality = bench
        self.other_municipalities = others
        return [bench, *others]

    def _set_up(self, places):
        # Agency and network names are unique: should two current municipalities share a
        # name, both get their number, whichever of them this run uses.
        names = defaultdict(int)
        for name in Municipality.objects.filter(valid_to__isnull=True).values_list(
            "name", flat=True
        ):
            names[name] += 1
        label = {m.pk: m.name if names[m.name] == 1 else f"{m.name} ({m.number})" for m in places}
        districts = {m.police_district_id: m.police_district for m in places if m.police_district}

        # Agencies: one police district agency per district, five per municipality.
        wanted = {}
        for district in districts.values():
            wanted[("politi", district.pk)] = Agency(
                name=f"{district.name} politidistrikt",
                agency_type=AgencyType.POLICE_DISTRICT,
                police_district=district,
            )
        for m in places:
            for key, agency_type, pattern, _role in MUNICIPAL_AGENCIES:
                wanted[(key, m.pk)] = Agency(
                    name=pattern.format(m=label[m.pk]),
                    agency_type=agency_type,
                    municipality=m,
                    police_district_id=m.police_district_id,
                )
        agencies = self._get_or_create_by_name(Agency, wanted, "agencies")

        # One user per agency (fictional), with a membership there.
        User = get_user_model()
        numbers = {m.pk: m.number for m in places}
        roles_by_key = {key: role for key, _t, _p, role in MUNICIPAL_AGENCIES}
        user_specs = {}
        for (key, place), agency in agencies.items():
            if key == "politi":
                username = f"skala.politi.{districts[place].code}"
                role = MembershipRole.POLICE_RADICALISATION_CONTACT
            else:
                username = f"skala.{numbers[place]}.{key}"
                role = roles_by_key[key]
            user_specs[(key, place)] = (username, agency, role)
        existing = User.objects.in_bulk(
            [username for username, _a, _r in user_specs.values()], field_name="username"
        )
        new_users = []
        for username, _agency, _role in user_specs.values():
            if username not in existing:
                n = len(existing) + len(new_users) + 1
                new_users.append(
                    User(
                        username=username,
                        first_name=self.rng.choice(FIRST_NAMES),
                        last_name=f"{self.rng.choice(LAST_NAMES)} {n}",
                        email=f"{username}@skaladata.example",
                        password=make_password(None),
                    )
                )
        User.objects.bulk_create(new_users)
        self.counts["users"] += len(new_users)
        by_username = User.objects.in_bulk(
            [username for username, _a, _r in user_specs.values()], field_name="username"
        )
        users = {key: by_username[spec[0]] for key, spec in user_specs.items()}
        Membership.objects.bulk_create(
            [
                Membership(user=users[key], agency=agency, role=role)
                for key, (_username, agency, role) in user_specs.items()
            ],
            ignore_conflicts=True,
        )

        bench_user = self._bench_user(agencies[("slt", self.bench_municipality.pk)])

        # Networks: a regional one per police district, a municipal one per municipality.
        regional = self._get_or_create_by_name(
            Network,
            {
                d.pk: Network(name=f"Regionalt nettverk {d.name}", level=NetworkLevel.REGIONAL)
                for d in districts.values()
            },
            "networks",
        )
        municipal = self._get_or_create_by_name(
            Network,
            {
                m.pk: Network(
                    name=f"SLT-nettverket i {label[m.pk]}",
                    level=NetworkLevel.MUNICIPAL,
                    parent=regional.get(m.police_district_id),
                    mandate="Skaladata (fiktiv): forebygger radikalisering og voldelig "
                    "ekstremisme og følger opp bekymringssaker.",
                    meeting_rhythm="Første tirsdag i måneden",
                )
                for m in places
            },
            "networks",
        )
        Network.municipalities.through.objects.bulk_create(
            [
                Network.municipalities.through(network_id=municipal[m.pk].pk, municipality_id=m.pk)
                for m in places
            ],
            ignore_conflicts=True,
        )
        members = {}
        for d in districts.values():
            members[(regional[d.pk].pk, agencies[("politi", d.pk)].pk)] = True
        for m in places:
            network = municipal[m.pk]
            for key, *_rest in MUNICIPAL_AGENCIES:
                members[(network.pk, agencies[(key, m.pk)].pk)] = True
            if m.police_district_id:
                members[(network.pk, agencies[("politi", m.police_district_id)].pk)] = True
        have = set(
            NetworkMember.objects.filter(
                network_id__in={n for n, _a in members}, person__isnull=True
            ).values_list("network_id", "agency_id")
        )
        NetworkMember.objects.bulk_create(
            [
                NetworkMember(network_id=n, agency_id=a, confirmed_at=self.today)
                for n, a in members
                if (n, a) not in have
            ]
        )

        # Forums: one for young people and one for adults in each municipal network.
        forums = {}
        have = {
            (f.network_id, f.name): f
            for f in Forum.objects.filter(network__in=list(municipal.values()))
        }
        new_forums = []
        for m in places:
            for name, audience, keys in FORUMS:
                key = (municipal[m.pk].pk, name)
                if key not in have:
                    have[key] = Forum(network=municipal[m.pk], name=name, audience=audience)
                    new_forums.append((m, have[key], keys))
                forums[(m.pk, audience)] = have[key]
        Forum.objects.bulk_create([forum for _m, forum, _k in new_forums])
        Forum.agencies.through.objects.bulk_create(
            [
                Forum.agencies.through(forum_id=forum.pk, agency_id=agencies[(key, place)].pk)
                for m, forum, keys in new_forums
                for key in keys
                for place in [m.police_district_id if key == "politi" else m.pk]
                if (key, place) in agencies
            ],
            ignore_conflicts=True,
        )

        # Roles: the SLT coordinator of each municipality, the police contact of each district.
        slt_roles = {
            r.municipality_id: r
            for r in Role.objects.filter(
                kind=RoleKind.SLT_COORDINATOR, municipality__in=places
            ).order_by("-id")
        }
        police_roles = {
            r.police_district_id: r
            for r in Role.objects.filter(
                kind=RoleKind.POLICE_RADICALISATION_CONTACT, police_district__in=list(districts)
            ).order_by("-id")
        }
        new_roles = []
        for m in places:
            if m.pk not in slt_roles:
                holder = bench_user if m.pk == self.bench_municipality.pk else users[("slt", m.pk)]
                slt_roles[m.pk] = Role(
                    kind=RoleKind.SLT_COORDINATOR,
                    agency=agencies[("slt", m.pk)],
                    municipality=m,
                    holder=holder,
                    holder_since=self.now - HISTORY,
                    email=f"slt.{m.number}@skaladata.example",
                )
                new_roles.append(slt_roles[m.pk])
        for d in districts.values():
            if d.pk not in police_roles:
                police_roles[d.pk] = Role(
                    kind=RoleKind.POLICE_RADICALISATION_CONTACT,
                    agency=agencies[("politi", d.pk)],
                    police_district=d,
                    holder=users[("politi", d.pk)],
                    holder_since=self.now - HISTORY,
                    email=f"radikalisering.{d.code}@skaladata.example",
                )
                new_roles.append(police_roles[d.pk])
        Role.objects.bulk_create(new_roles)

        # What a batch needs, as plain ids and names.
        self.user_info = {}
        for user in [*users.values(), bench_user]:
            self.user_info[user.pk] = (user.pk, user.username, user.get_full_name())
        role_holders = {
            u.pk: u
            for u in User.objects.filter(
                pk__in={r.holder_id for r in [*slt_roles.values(), *police_roles.values()]} - {None}
            )
        }
        for user in role_holders.values():
            self.user_info[user.pk] = (user.pk, user.username, user.get_full_name())
        self.places = {}
        for m in places:
            local = {key: agencies[(key, m.pk)] for key, *_rest in MUNICIPAL_AGENCIES}
            if m.police_district_id:
                local["politi"] = agencies[("politi", m.police_district_id)]
            agency_users = {
                agency.pk: self.user_info[
                    users[(key, m.police_district_id if key == "politi" else m.pk)].pk
                ]
                for key, agency in local.items()
            }
            roles = [slt_roles[m.pk]]
            if m.police_district_id:
                roles.append(police_roles[m.police_district_id])
            self.places[m.pk] = {
                "municipality": m,
                "network": municipal[m.pk].pk,
                "forums": {aud: forums[(m.pk, aud)].pk for _n, aud, _k in FORUMS},
                "agencies": {a.pk: a.name for a in local.values()},
                "users": agency_users,
                "roles": roles,
            }
        self.bench_agency = agencies[("slt", self.bench_municipality.pk)]
        self.bench_user = bench_user

    def _get_or_create_by_name(self, model, wanted, counted_as):
        """{key: unsaved instance} -> {key: saved instance}, reusing rows with the same name."""
        existing = model.objects.in_bulk([obj.name for obj in wanted.values()], field_name="name")
        new = [obj for obj in wanted.values() if obj.name not in existing]
        model.objects.bulk_create(new)
        self.counts[counted_as] += len(new)
        existing.update({obj.name: obj for obj in new})
        return {key: existing[obj.name] for key, obj in wanted.items()}

    def _bench_user(self, agency):
        user, created = get_user_model().objects.get_or_create(
            username=BENCH_USERNAME,
            defaults={"first_name": "Benk", "last_name": "Koordinator (skaladata)"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.counts["users"] += 1
        Membership.objects.get_or_create(
            user=user, agency=agency, role=MembershipRole.SLT_COORDINATOR
        )
        if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="Benchmark", confirmed=True)
        return user

    # One batch of cases ---------------------------------------------------------

    def _write_batch(self, first, size, total):
        rng = self.rng
        plans = [self._plan_case(first + i, total) for i in range(size)]

        persons = [p["person"] for p in plans if p["person"] is not None]
        Person.objects.bulk_create(persons)
        cases = [p["case"] for p in plans]
        ConcernCase.objects.bulk_create(cases)
        for model, key, label in [
            (Guardian, "guardians", "guardians"),
            (TeamMember, "team", "team members"),
            (SecurityClarification, "clarification", "security clarifications"),
            (ChecklistItem, "checklist", "checklist items"),
            (Resource, "resources", "resources"),
            (Responsibility, "responsibilities", "responsibilities"),
            (Task, "tasks", "tasks"),
            (TimelineEvent, "timeline", "timeline events"),
            (JournalEntry, "journal", "journal entries"),
        ]:
            rows = [row for p in plans for row in p[key]]
            model.objects.bulk_create(rows)
            self.counts[label] += len(rows)
        # Corrections after the entries they supersede, which now have ids.
        corrections = []
        for p in plans:
            for entry in p["journal"]:
                if rng.random() < 0.03:
                    corrections.append(
                        JournalEntry(
                            case=entry.case,
                            agency_id=entry.agency_id,
                            author_id=entry.author_id,
                            confidentiality=entry.confidentiality,
                            text=entry.text + " (Rettet dato.)",
                            written_at=entry.written_at + datetime.timedelta(hours=2),
                            supersedes=entry,
                            version_number=2,
                            correction_reason="Skaladata: feil dato i første versjon.",
                        )
                    )
                    p["audit"].append(
                        (
                            corrections[-1].written_at,
                            "case.journal_corrected",
                            entry.author_id,
                            entry.agency_id,
                            lambda c=corrections[-1], e=entry: {"entry": c.pk, "supersedes": e.pk},
                        )
                    )
        JournalEntry.objects.bulk_create(corrections)
        self.counts["journal entries"] += len(corrections)
        self.counts["people"] += len(persons)
        self.counts["concern cases"] += len(cases)
        self._append_audit(plans)

    def _plan_case(self, index, total):
        rng = self.rng
        in_bench = index % BENCH_SHARE == 0 or not self.other_municipalities
        municipality = (
            self.bench_municipality if in_bench else rng.choice(self.other_municipalities)
        )
        place = self.places[municipality.pk]
        # The first bench case of a run is the heavy one: open, identified, a long journal.
        heavy = index == 0
        anonymous = not heavy and rng.random() < 0.10
        if anonymous:
            created = self.now - rng.random() * ANONYMOUS_HISTORY
        else:
            created = self.now - HISTORY + HISTORY * ((index + rng.random()) / total)
        age_days = (self.now - created).days

        # Coordinator: the SLT coordinator, or (outside the bench municipality) the police.
        roles = place["roles"]
        role = roles[0] if in_bench or len(roles) == 1 or rng.random() < 0.8 else roles[1]
        created_agency = rng.choice(list(place["agencies"]))
        creator = place["users"][created_agency]
        coordinator = self.user_info.get(role.holder_id) or creator

        # Path through the states, with the time of each move.
        if anonymous:
            state = CaseState.CLOSED if rng.random() < 0.2 else CaseState.ANONYMOUS_DISCUSSION
            path = [CaseState.CLOSED] if state == CaseState.CLOSED else []
            start_state = CaseState.ANONYMOUS_DISCUSSION
        else:
            start_state = CaseState.REGISTERED
            if heavy:
                state = CaseState.FOLLOW_UP
            elif rng.random() < min(0.8, age_days / 1000):
                state = CaseState.CLOSED
            else:
                state = _weighted(rng, STATE_WEIGHTS)
            full = [CaseState.SECURITY_CLARIFICATION, CaseState.MAPPING, CaseState.FOLLOW_UP]
            if state == CaseState.CLOSED:
                path = [CaseState.CLOSED] if rng.random() < 0.2 else [*full, CaseState.CLOSED]
            else:
                path = full[: [CaseState.REGISTERED, *full].index(state)]
        if state == CaseState.CLOSED:
            end = min(
                created + datetime.timedelta(days=rng.uniform(10, 400)),
                self.now - datetime.timedelta(hours=1),
            )
        else:
            end = self.now
        span = max(end - created, datetime.timedelta(minutes=10))
        moves = []
        previous = start_state
        for n, to_state in enumerate(path, start=1):
            at = created + span * (n / (len(path) + 1)) if to_state != CaseState.CLOSED else end
            moves.append((at, previous, to_state))
            previous = to_state

        source = _weighted(rng, SOURCES)
        person = None
        guardians = []
        audience = ForumAudience.YOUTH
        if anonymous:
            approximate_age = rng.randint(13, 30) if rng.random() < 0.7 else None
            if approximate_age and approximate_age >= 25:
                audience = ForumAudience.ADULTS
        else:
            approximate_age = None
            self.person_number += 1
            birth_year = created.year - rng.choice([14, 15, 16, 17, 18, 19, 21, 24, 28, 35])
            birth_date = None
            if rng.random() < 0.6:
                birth_date = datetime.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
            protected = rng.random() < 0.02
            person = Person(
                name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {self.person_number}",
                birth_date=birth_date,
                birth_year=None if birth_date else birth_year,
                languages="norsk" if rng.random() < 0.8 else "norsk, arabisk",
                protected_address=ProtectedAddress.CONFIDENTIAL if protected else "",
                address="" if protected else f"Fiktivveien {rng.randint(1, 200)}",
            )
            if self.now.year - birth_year >= 25:
                audience = ForumAudience.ADULTS
            if self.now.year - birth_year < 18:
                guardians = [
                    Guardian(
                        person=person,
                        name=f"Foresatt {rng.choice(LAST_NAMES)} {self.person_number}-{g}",
                        relation=relation,
                    )
                    for g, relation in enumerate(["mor", "far"][: rng.randint(1, 2)], start=1)
                ]

        case = ConcernCase(
            state=state,
            is_anonymous=anonymous,
            subject=person,
            network_id=place["network"],
            forum_id=place["forums"][audience],
            audience=audience,
            municipality_id=municipality.pk,
            coordinator_role_id=role.pk,
            observation=_text(rng, OBSERVATIONS, 2),
            observed_by="Skaladata",
            observed_on=(created - datetime.timedelta(days=rng.randint(0, 14))).date(),
            source=source,
            urgency=_weighted(
                rng, [(Urgency.ROUTINE, 70), (Urgency.SOON, 25), (Urgency.URGENT, 5)]
            ),
            summary=_text(rng, JOURNAL_SENTENCES, 2) if path else "",
            approximate_age=approximate_age,
            evaluation=_text(rng, JOURNAL_SENTENCES, 1) if state == CaseState.CLOSED else "",
            review_on=(end + datetime.timedelta(days=180)).date()
            if state == CaseState.CLOSED
            else None,
            closed_at=end if state == CaseState.CLOSED else None,
            created_by_id=creator[0],
            created_agency_id=created_agency,
            created_at=created,
            updated_at=moves[-1][0] if moves else created,
            version=1 + len(moves),
        )

        # The team: the coordinator's agency leads, the registering agency and 0–2 more.
        team_ids = [role.agency_id]
        if created_agency not in team_ids:
            team_ids.append(created_agency)
        others = [a for a in place["agencies"] if a not in team_ids]
        wanted = max(rng.randint(2, 4), len(team_ids))
        team_ids += rng.sample(others, min(wanted - len(team_ids), len(others)))
        team = []
        for agency_id in team_ids:
            is_lead = agency_id == role.agency_id
            contact = coordinator if is_lead else place["users"][agency_id]
            team.append(
                TeamMember(
                    case=case,
                    agency_id=agency_id,
                    contact_name=contact[2],
                    contact_email=f"{contact[1]}@skaladata.example",
                    has_lead=is_lead,
                    added_at=created,
                )
            )

        timeline = [
            TimelineEvent(
                case=case, at=created, actor_id=creator[0], kind="registered", to_state=start_state
            )
        ]
        audit = [
            (
                created,
                "case.registered",
                creator[0],
                created_agency,
                {"anonymous": anonymous, "network": place["network"], "source": source},
            )
        ]
        clarification = []
        for at, from_state, to_state in moves:
            if from_state == CaseState.SECURITY_CLARIFICATION and to_state != CaseState.CLOSED:
                answered = at - datetime.timedelta(hours=1)
                answers = {k: rng.choice(["yes", "no"]) for k in ("a", "b", "c", "d")}
                clarification.append(
                    SecurityClarification(
                        case=case,
                        police_contact_consulted=answers["a"],
                        police_contact_note="Skaladata: ingen tiltak fra politiet nå.",
                        pst_to_be_told=answers["b"],
                        pst_note="Skaladata: ikke grunnlag for å varsle PST.",
                        child_welfare_duty=answers["c"],
                        child_welfare_reasoning="Skaladata: vurdert, se journal.",
                        averting_duty=answers["d"],
                        averting_reasoning="Skaladata: ingen konkret fare for straffbar handling.",
                        answered_by_id=coordinator[0],
                        answered_at=answered,
                    )
                )
                timeline.append(
                    TimelineEvent(
                        case=case, at=answered, actor_id=coordinator[0], kind="security_clarified"
                    )
                )
                audit.append(
                    (
                        answered,
                        "case.security_clarified",
                        coordinator[0],
                        role.agency_id,
                        {
                            "police_contact_consulted": answers["a"],
                            "pst_to_be_told": answers["b"],
                            "child_welfare_duty": answers["c"],
                            "averting_duty": answers["d"],
                        },
                    )
                )
            timeline.append(
                TimelineEvent(
                    case=case,
                    at=at,
                    actor_id=coordinator[0],
                    kind="state",
                    from_state=from_state,
                    to_state=to_state,
                )
            )
            audit.append(
                (
                    at,
                    "case.state_changed",
                    coordinator[0],
                    role.agency_id,
                    {"from": from_state, "to": to_state},
                )
            )

        checklist = []
        if source == Source.SOCIAL_MEDIA:
            done = bool(moves)
            checklist.append(
                ChecklistItem(
                    case=case,
                    code=ADVICE_BEFORE_CONTACT,
                    position=0,
                    status=StepStatus.DONE if done else StepStatus.NOT_STARTED,
                    done_at=created + span / 4 if done else None,
                    done_by_id=coordinator[0] if done else None,
                )
            )

        resources, responsibilities = [], []
        reached_follow_up = CaseState.FOLLOW_UP in path
        if not anonymous and (reached_follow_up or CaseState.MAPPING in path):
            for r in range(rng.randint(0, 2)):
                resources.append(
                    Resource(
                        case=case,
                        name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} R{r + 1}",
                        relation=rng.choice(Resource.Relation.values),
                        how_they_help="Skaladata: en trygg voksen personen stoler på.",
                    )
                )
        if reached_follow_up:
            for what in rng.sample(RESPONSIBILITIES, rng.randint(1, 3)):
                responsibilities.append(
                    Responsibility(
                        case=case,
                        agency_id=rng.choice(team_ids),
                        what=what,
                        agreed_on=(created + span / 2).date(),
                    )
                )

        tasks = []
        for _t in range(rng.randint(0, 1) if anonymous else rng.randint(0, 4)):
            owner_agency = rng.choice(team_ids)
            added = created + span * rng.uniform(0.05, 0.9)
            deadline = (added + datetime.timedelta(days=rng.randint(7, 60))).date()
            if state == CaseState.CLOSED or (deadline < self.today and rng.random() < 0.6):
                status = TaskStatus.DONE
            else:
                status = rng.choice([TaskStatus.OPEN, TaskStatus.IN_PROGRESS])
            by_role = owner_agency == role.agency_id and rng.random() < 0.5
            author = place["users"].get(owner_agency, coordinator)
            tasks.append(
                Task(
                    case=case,
                    title=rng.choice(TASK_TITLES),
                    owner_agency_id=owner_agency,
                    owner_role_id=role.pk if by_role else None,
                    owner_name="" if by_role else author[2],
                    deadline=deadline,
                    status=status,
                    created_by_id=coordinator[0],
                    created_at=added,
                )
            )
            audit.append(
                (
                    added,
                    "case.task_added",
                    coordinator[0],
                    role.agency_id,
                    lambda t=tasks[-1]: {"task": t.pk},
                )
            )

        # The journal: a few entries, a long one now and then, the longest in the
        # first bench case of each run.
        if anonymous:
            count = rng.randint(1, 3)
        elif heavy:
            count = 80
        elif rng.random() < 0.01:
            count = rng.randint(30, 60)
        else:
            count = rng.randint(2, 8)
        journal = []
        for _j in range(count):
            agency_id = role.agency_id if heavy else rng.choice(team_ids)
            author = coordinator if agency_id == role.agency_id else place["users"][agency_id]
            written = created + span * rng.random()
            confidentiality = _weighted(rng, CONFIDENTIALITY)
            journal.append(
                JournalEntry(
                    case=case,
                    agency_id=agency_id,
                    author_id=author[0],
                    confidentiality=confidentiality,
                    text=_text(rng, JOURNAL_SENTENCES, rng.randint(2, 5)),
                    written_at=written,
                )
            )
            audit.append(
                (
                    written,
                    "case.journal_written",
                    author[0],
                    agency_id,
                    lambda e=journal[-1], c=confidentiality: {"entry": e.pk, "confidentiality": c},
                )
            )

        for _v in range(rng.randint(1, 3)):
            agency_id = rng.choice(team_ids)
            reader = coordinator if agency_id == role.agency_id else place["users"][agency_id]
            audit.append(
                (
                    created + span * rng.random(),
                    "case.viewed",
                    reader[0],
                    agency_id,
                    {
                        "parts": sorted(rng.sample(VIEWED_PARTS, 3)),
                        "path": "team",
                        "role": "case_worker",
                        "person": None,  # filled in once the person has an id
                    },
                )
            )

        return {
            "case": case,
            "person": person,
            "guardians": guardians,
            "team": team,
            "clarification": clarification,
            "checklist": checklist,
            "resources": resources,
            "responsibilities": responsibilities,
            "tasks": tasks,
            "timeline": timeline,
            "journal": journal,
            "audit": audit,
            "agency_names": place["agencies"],
        }

    # The audit log ----------------------------------------------------------------

    def _append_audit(self, plans):
        """Hash-chain the batch's entries onto the log, in time order, under the chain lock.

        `audit.services.append_generated` chains and inserts them under the chain lock.
        """
        pending = []
        for p in plans:
            case = p["case"]
            names = p["agency_names"]
            for at, action, actor_id, agency_id, detail in p["audit"]:
                if callable(detail):
                    detail = detail()
                elif action == "case.viewed":
                    detail = {**detail, "person": case.subject_id}
                pending.append(
                    (at, action, actor_id, agency_id, names.get(agency_id, ""), case.pk, detail)
                )
        pending.sort(key=lambda row: row[0])
        entries = []
        for at, action, actor_id, agency_id, agency_name, case_id, detail in pending:
            actor = self.user_info.get(actor_id)
            entries.append(
                AuditEntry(
                    created_at=at,
                    action=action,
                    actor_id=actor_id,
                    actor_username=actor[1] if actor else "",
                    agency_id=agency_id,
                    agency_name=agency_name[:200],
                    target_type="cases.concerncase",
                    target_id=str(case_id),
                    detail=detail,
                    request_id=REQUEST_ID,
                    ip_address=None,
                )
            )
        append_generated(entries)
        self.counts["audit entries"] += len(entries)
