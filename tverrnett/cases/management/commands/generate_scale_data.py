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
audit entries of a batch are authenticated with the audit key by
`audit.services.append_generated`, like `record` does, sealed at the end as the
worker would, and carry the request id "generate_scale_data" so they can be told
from real ones.

Exactly every tenth case lies in Oslo and is coordinated by the Oslo SLT
coordinator role, so the benchmark user `bench-koordinator` (SLT coordinator
in "Oslo kommune – SLT", with a confirmed TOTP device) has that agency on the
team of a known share of the cases. The first Oslo case of each run has a
long journal, for measuring the case page at its heaviest.

Every tenth identified case past the security clarification (not counting the
heavy one) is an exit case: its exit work, the fourteen checklist steps in a
spread of statuses, background entries by the team's agencies, measures, and
now and then a contact agreement and conversations, by the services' rules. What
was added after the first benchmarks (exit work, the police verification of
police entries) draws from a random generator of its own, so the rest of the
data set stays as it was for the same seed.

Every exit case also has 1–3 signed risk and needs assessments with the default
instrument (the shipped instruments are loaded once, at set-up), dated between the
start of the exit work and the case's end (or now): by the coordinator, for the
coordinator role's agency, each superseding the one before, every item rated (now
and then "unknown", with its reason), each with its information item (category
"assessment") and the audit entries the assessment services write. The triggers
refuse ratings of a signed assessment, so a batch inserts its assessments as
drafts, then their ratings, then signs them in one UPDATE. They draw from a third
random generator, so the exit work stays as it was for the same seed.

For the load test (bench/load/), every generated user has the demo password and a
confirmed authenticator, and each municipality has a voluntary organisation (a
"frivilligsentral", in the municipal network, on no case team) with a bridge
builder `skala.<number>.frivillig`; their names draw from a fourth generator.
`--cases 0` adds only these and the rest of the set-up to an existing database.
"""

import datetime
import random
import time
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.management.commands._demo import DEMO_PASSWORD, refuse_unless_debug
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.assessments.instruments import load_instruments
from tverrnett.assessments.models import UNKNOWN, Assessment, AssessmentStatus, Rating
from tverrnett.assessments.services import current_instruments
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.sealing import seal_pending
from tverrnett.audit.services import append_generated
from tverrnett.cases.models import (
    CaseState,
    ChecklistItem,
    ConcernCase,
    Confidentiality,
    Guardian,
    InformationCategory,
    JournalEntry,
    Person,
    PoliceVerification,
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
from tverrnett.cases.services import ADVICE_BEFORE_CONTACT, POLICE_SECTORS
from tverrnett.conversations.models import (
    Attendance,
    ContactAgreement,
    ContactChannel,
    Conversation,
)
from tverrnett.conversations.services import REVIEW_AFTER_FIRST_CONVERSATION_DAYS, is_minor_on
from tverrnett.exitwork.background import TOPICS
from tverrnett.exitwork.models import ExitWork, FollowUpReview
from tverrnett.exitwork.services import add_months
from tverrnett.exitwork.steps import GATE_CODES, STEPS
from tverrnett.geography.models import Municipality
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import Measure, MeasureStatus, MeasureType
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

# Exit work: every tenth identified case past the security clarification.
EXIT_SHARE = 10
RETURNEE_EVERY = 8  # one exit case in eight is a returnee's
SOCIAL_MEDIA_STEP = next(step for step in STEPS if step.code == ADVICE_BEFORE_CONTACT)
RETURN_STEPS = {12, 13}  # about a return from a conflict area
NOT_RELEVANT_REASONS = {
    "social_media": "Skaladata: bekymringen kom ikke via sosiale medier.",
    "returnee": "Skaladata: personen har ikke vært i en konfliktsone.",
    "other": "Skaladata: vurdert i teamet; gjelder ikke denne saken.",
}
STEP_NOTES = [
    "Skaladata: drøftet på teammøtet.",
    "Skaladata: avtalt med nærmeste leder.",
    "Skaladata: se journalen for detaljer.",
]
BACKGROUND_SENTENCES = [
    "Personen beskriver selv hvordan det startet.",
    "Opplysningen kommer fra samtale med personen.",
    "Foresatte forteller det samme.",
    "Dette har endret seg det siste halve året.",
    "Teamet vurderer dette som viktig for videre arbeid.",
    "Personen ønsker at dette skal tas med i planen.",
]
# Factors whose entries carry a special-category tag (GDPR Art. 9).
HEALTH_FACTORS = {"mental_health", "health", "trauma"}
BELIEF_FACTORS = {"ideology", "disillusioned_ideology"}
MEASURE_GOALS = [
    "Skaladata (fiktiv): faste samtaler hver uke om det personen ser og leser på nett.",
    "Skaladata (fiktiv): komme i gang med skole eller arbeid innen tre måneder.",
    "Skaladata (fiktiv): en egen bolig borte fra det gamle miljøet.",
    "Skaladata (fiktiv): en fast voksen å snakke med utenom skoletid.",
    "Skaladata (fiktiv): en fritidsaktivitet med nye venner.",
]
MEASURE_OUTCOMES = [
    "Skaladata: målet er nådd; personen møter fast og trives.",
    "Skaladata: delvis nådd; videreføres i et nytt tiltak.",
    "Skaladata: avsluttet etter ønske fra personen.",
]
PERSON_VIEWS = [
    "",
    "Skaladata: personen synes tiltaket er greit.",
    "Skaladata: personen vil helst ha færre møter.",
]
CONTACT_WHEN = [
    "Skaladata: tirsdager etter skolen",
    "Skaladata: annenhver torsdag kl. 14",
    "Skaladata: etter avtale på SMS",
    "Skaladata: første mandag i måneden",
]
MEETING_PLACES = [
    "Skaladata: ungdomsklubben",
    "Skaladata: møterommet på skolen",
    "Skaladata: Nav-kontoret",
    "Skaladata: kafé i sentrum",
]
CONVERSATION_PURPOSES = [
    "Skaladata: bli kjent og høre hvordan personen har det.",
    "Skaladata: følge opp planen og tiltakene.",
    "Skaladata: snakke om motivasjonen for å komme ut av miljøet.",
]
FIRST_CONVERSATION_REVIEW = "Gjennomgang etter første samtale"

# Risk and needs assessments on exit cases: 1–3 each, with the default instrument.
ASSESSMENT_INSTRUMENT = "behov-og-motivasjon"
ASSESSMENTS_PER_CASE = (1, 3)
UNKNOWN_SHARE = 0.04  # of the ratings
ASSESSMENT_SUMMARIES = [
    "Personen er ambivalent: vil ut, men er redd for reaksjonene fra miljøet.",
    "Motivasjonen er tydeligere enn sist, og kontakten med miljøet er mindre.",
    "Bolig og inntekt er fortsatt usikre og må følges opp.",
    "Personen har en mentor og en fast voksen å snakke med.",
    "Skole eller arbeidstrening gir struktur i hverdagen.",
    "Familien støtter arbeidet, men kjenner lite til miljøet.",
]
UNKNOWN_REASONS = [
    "Skaladata: personen vil ikke snakke om dette ennå; tas opp i neste samtale.",
    "Skaladata: venter på opplysninger fra Nav.",
    "Skaladata: ikke nok kjent til å vurdere; spør foresatte.",
]
RATING_NOTES = [
    "Skaladata: personens egen beskrivelse.",
    "Skaladata: bekreftet av teamet.",
    "Skaladata: endret siden forrige samtale.",
]


def _weighted(rng, pairs):
    return rng.choices([value for value, _w in pairs], weights=[w for _v, w in pairs])[0]


def _text(rng, sentences, count):
    return "Skaladata (fiktiv): " + " ".join(rng.sample(sentences, count))


class Command(BaseCommand):
    help = (
        "Add a large, fictional data set (agencies, networks, roles, people, cases, tasks, "
        "journal, timeline, exit work with measures, conversations and assessments, audit "
        "entries) for benchmarks. Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases",
            type=int,
            required=True,
            help="How many cases to add (0: only the agencies, users, networks and roles).",
        )
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
        if cases < 0 or batch_size < 1:
            raise CommandError("--cases must be at least 0 and --batch-size at least 1.")
        started = time.perf_counter()
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311  (made-up data, not secrets)
        # What came after the first benchmarks draws from here, so self.rng's data set
        # stays the same for the same seed.
        self.extra_rng = random.Random(f"extra-{seed}")  # noqa: S311
        # The assessments draw from a third, so the exit work stays the same too.
        self.assessment_rng = random.Random(f"assessments-{seed}")  # noqa: S311
        self.exit_seen = 0  # identified cases past the security clarification
        self.exit_planned = 0
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

        if cases:
            # Only when this run wrote entries: the set-up alone (--cases 0) writes none.
            self.counts["audit entries sealed"] = seal_pending()
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{count:,} {name}" for name, count in self.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Added {summary} in {elapsed:.1f} s."))
        self.stdout.write(
            f"Benchmark user: {BENCH_USERNAME} (password {DEMO_PASSWORD}; "
            f"`manage.py demo_code {BENCH_USERNAME}` prints the second factor), acting for "
            f"{self.bench_agency.name}: on the team of every {BENCH_SHARE}th case."
        )
        self.stdout.write(
            "Load-test users: skala.<municipality>.<slt|nav|barnevern|helse|skole|frivillig> "
            "and skala.politi.<district>, with the same password and an authenticator each."
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
        load_measure_types()
        self.measure_types = list(
            MeasureType.objects.filter(is_active=True).order_by("position", "code")
        )
        self.counts["instruments"] += sum(created for _i, created in load_instruments())
        self.instrument = next(
            (i for i in current_instruments() if i.code == ASSESSMENT_INSTRUMENT), None
        )
        if self.instrument is None:
            raise CommandError(f"The instrument {ASSESSMENT_INSTRUMENT!r} is not published.")
        # (position, item, domain, the scale's options but "unknown"), in the instrument's order.
        self.instrument_items = [
            (position, item_code, domain_code, self.instrument.options_of(domain_code)[:-1])
            for position, (item_code, domain_code) in enumerate(
                self.instrument.item_codes().items()
            )
        ]

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
                "agency_types": {a.pk: a.agency_type for a in local.values()},
                "users": agency_users,
                "roles": roles,
            }
        self.bench_agency = agencies[("slt", self.bench_municipality.pk)]
        self.bench_user = bench_user
        self._load_test_users(places, label, users.values(), municipal)

    def _load_test_users(self, places, label, users, municipal):
        """Users the load test (bench/load/) can log in as: every generated user gets the
        demo password and a confirmed authenticator, and each municipality a voluntary
        organisation in its network with a bridge builder. Nothing here touches the
        cases: the organisations are on no team, and their users' names come from a
        generator of their own, so the data set stays the same for the same seed."""
        rng = random.Random(f"load-users-{self.seed}")  # noqa: S311  (made-up data)
        User = get_user_model()
        organisations = self._get_or_create_by_name(
            Agency,
            {
                m.pk: Agency(
                    name=f"{label[m.pk]} frivilligsentral (skaladata)",
                    agency_type=AgencyType.VOLUNTARY_ORG,
                    municipality=m,
                    police_district_id=m.police_district_id,
                )
                for m in places
            },
            "agencies",
        )
        usernames = {m.pk: f"skala.{m.number}.frivillig" for m in places}
        existing = User.objects.in_bulk(list(usernames.values()), field_name="username")
        new_users = [
            User(
                username=username,
                first_name=rng.choice(FIRST_NAMES),
                last_name=f"{rng.choice(LAST_NAMES)} {rng.randrange(10_000)}",
                email=f"{username}@skaladata.example",
                password=make_password(None),
            )
            for username in usernames.values()
            if username not in existing
        ]
        User.objects.bulk_create(new_users)
        self.counts["users"] += len(new_users)
        volunteers = User.objects.in_bulk(list(usernames.values()), field_name="username")
        Membership.objects.bulk_create(
            [
                Membership(
                    user=volunteers[usernames[m.pk]],
                    agency=organisations[m.pk],
                    role=MembershipRole.BRIDGE_BUILDER,
                )
                for m in places
            ],
            ignore_conflicts=True,
        )
        have = set(
            NetworkMember.objects.filter(
                agency__in=list(organisations.values()), person__isnull=True
            ).values_list("network_id", "agency_id")
        )
        NetworkMember.objects.bulk_create(
            [
                NetworkMember(
                    network_id=municipal[m.pk].pk,
                    agency_id=organisations[m.pk].pk,
                    confirmed_at=self.today,
                )
                for m in places
                if (municipal[m.pk].pk, organisations[m.pk].pk) not in have
            ]
        )
        # One hash for all: hashing the same password thousands of times would take
        # minutes, and these are fictional users of a development database.
        everyone = [*users, *volunteers.values()]
        User.objects.filter(
            pk__in=[u.pk for u in everyone], password__startswith=UNUSABLE_PASSWORD_PREFIX
        ).update(password=make_password(DEMO_PASSWORD))
        with_device = set(
            TOTPDevice.objects.filter(user__in=everyone, confirmed=True).values_list(
                "user_id", flat=True
            )
        )
        TOTPDevice.objects.bulk_create(
            [
                TOTPDevice(user=user, name="Skaladata", confirmed=True)
                for user in everyone
                if user.pk not in with_device
            ]
        )

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
        for p in plans:
            # What cases.deadlines.refresh_next_deadline keeps for the services.
            p["case"].next_open_deadline = min(
                (task.deadline for task in p["tasks"] if task.status != TaskStatus.DONE),
                default=None,
            )
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
            (ExitWork, "exit_work", "exit cases"),
            (JournalEntry, "background", "background entries"),
            (Measure, "measures", "measures"),
            (ContactAgreement, "agreements", "contact agreements"),
            (Conversation, "conversations", "conversations"),
            (FollowUpReview, "reviews", "follow-up reviews"),
            (JournalEntry, "assessment_entries", "assessment entries"),
        ]:
            rows = [row for p in plans for row in p[key]]
            model.objects.bulk_create(rows)
            self.counts[label] += len(rows)
        self._write_assessments(plans)
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
                            category=entry.category,
                            sector=entry.sector,
                            police_verification=entry.police_verification,
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
                    # Ticking a step records who changed it, as set_checklist_status does.
                    changed_at=created + span / 4 if done else None,
                    changed_by_id=coordinator[0] if done else None,
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
                    **self._sector(place, agency_id),
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

        plan = {
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
            "exit_work": [],
            "background": [],
            "measures": [],
            "agreements": [],
            "conversations": [],
            "reviews": [],
            "assessment_entries": [],
            "assessments": [],
            "ratings": [],
        }
        # Exit work on every tenth identified case that got past the security
        # clarification (the heavy case stays as it is, for the case page's numbers).
        if not anonymous and not heavy and CaseState.MAPPING in path:
            self.exit_seen += 1
            if self.exit_seen % EXIT_SHARE == 1:
                at = {to_state: moved for moved, _from, to_state in moves}
                self._plan_exit(plan, place, role, coordinator, team_ids, at, end)
        return plan

    def _sector(self, place, agency_id):
        """An information item's sector, and a police item's verification (L08)."""
        sector = place["agency_types"][agency_id]
        verification = ""
        if sector in POLICE_SECTORS:
            verification = self.extra_rng.choice(PoliceVerification.values)
        return {"sector": sector, "police_verification": verification}

    # Exit work -------------------------------------------------------------------

    def _plan_exit(self, plan, place, role, coordinator, team_ids, at, end):
        """Exit work on a planned case, as the exit services would have left it (X11, L22-L29).

        Started during mapping; steps 1, 3 and 7 settled before a move to active
        follow-up, every step settled, every measure evaluated and the reviews after
        exit scheduled on a closed case. `at`: when the case entered each state.
        """
        rng = self.extra_rng
        case, person = plan["case"], plan["person"]
        closed = case.state == CaseState.CLOSED
        followed_up = CaseState.FOLLOW_UP in at
        gate_by = at.get(CaseState.FOLLOW_UP, end)
        started = at[CaseState.MAPPING] + (gate_by - at[CaseState.MAPPING]) * rng.uniform(0.05, 0.5)
        today, start_day = self.today, timezone.localdate(started)

        def between(first, last):
            return first + (last - first) * rng.random()

        def day_between(first, last):
            return first + datetime.timedelta(days=rng.randint(0, max((last - first).days, 0)))

        def worker(agency_id):
            return coordinator if agency_id == role.agency_id else place["users"][agency_id]

        self.exit_planned += 1
        is_returnee = self.exit_planned % RETURNEE_EVERY == RETURNEE_EVERY // 2
        plan["exit_work"].append(
            ExitWork(
                case=case,
                started_at=started,
                started_by_id=coordinator[0],
                is_returnee=is_returnee,
                checklist_evaluation="Skaladata: sjekklisten fungerte; samarbeidet med Nav "
                "kom sent i gang."
                if closed
                else "",
            )
        )
        plan["timeline"].append(
            TimelineEvent(case=case, at=started, actor_id=coordinator[0], kind="exit_started")
        )
        plan["audit"].append(
            (started, "exit.started", coordinator[0], role.agency_id, {"returnee": is_returnee})
        )

        # The fourteen steps. A social-media concern has its step 8 already, at the top.
        have = {item.code: item for item in plan["checklist"]}
        from_social_media = case.source == Source.SOCIAL_MEDIA
        if closed:
            progress = 1.0
        elif followed_up:
            progress = rng.uniform(0.6, 1.0)
        else:
            progress = rng.uniform(0.1, 0.8)
        for step in STEPS:
            if step.code in have:
                continue
            item = ChecklistItem(case=case, code=step.code, position=step.number)
            plan["checklist"].append(item)
            special = None
            if step.number == SOCIAL_MEDIA_STEP.number and not from_social_media:
                special = "social_media"
            elif step.number in RETURN_STEPS and not is_returnee:
                special = "returnee"
            draw = rng.random()
            if special and draw < 0.85:
                status = StepStatus.NOT_RELEVANT
            elif special:
                status = StepStatus.NOT_STARTED
            elif draw < progress:
                status = StepStatus.NOT_RELEVANT if rng.random() < 0.08 else StepStatus.DONE
            elif draw < progress + 0.15:
                status = StepStatus.IN_PROGRESS
            else:
                status = StepStatus.NOT_STARTED
            gated = followed_up and step.code in GATE_CODES
            if (closed or gated) and status not in (StepStatus.DONE, StepStatus.NOT_RELEVANT):
                status = StepStatus.NOT_RELEVANT if special else StepStatus.DONE
            if status == StepStatus.NOT_STARTED:
                continue
            agency_id = role.agency_id if rng.random() < 0.6 else rng.choice(team_ids)
            changer = worker(agency_id)
            changed_at = between(started, gate_by if gated else end)
            item.status = status
            item.changed_at, item.changed_by_id = changed_at, changer[0]
            if status == StepStatus.DONE:
                item.done_at, item.done_by_id = changed_at, changer[0]
            if status == StepStatus.NOT_RELEVANT:
                item.not_relevant_reason = NOT_RELEVANT_REASONS[special or "other"]
            if rng.random() < 0.3:
                item.note = rng.choice(STEP_NOTES)
            plan["audit"].append(
                (
                    changed_at,
                    "case.checklist_done"
                    if status == StepStatus.DONE
                    else "case.checklist_changed",
                    changer[0],
                    agency_id,
                    {"step": step.code, "status": status},
                )
            )

        # Background and motivation: information items of the agencies that wrote them.
        for _b in range(rng.randint(2, 6)):
            topic = rng.choice(TOPICS)
            factor = rng.choice(topic.factors)[0] if topic.factors else ""
            agency_id = rng.choice(team_ids)
            author = worker(agency_id)
            written = between(started, end)
            entry = JournalEntry(
                case=case,
                agency_id=agency_id,
                author_id=author[0],
                confidentiality=_weighted(rng, CONFIDENTIALITY),
                text=_text(rng, BACKGROUND_SENTENCES, rng.randint(1, 3)),
                category=topic.category,
                topic=topic.code,
                factor=factor,
                health_data=factor in HEALTH_FACTORS,
                political_opinions=factor in BELIEF_FACTORS,
                written_at=written,
                **self._sector(place, agency_id),
            )
            plan["background"].append(entry)
            plan["audit"].append(
                (
                    written,
                    "case.journal_written",
                    author[0],
                    agency_id,
                    lambda e=entry: {
                        "entry": e.pk,
                        "confidentiality": e.confidentiality,
                        "category": e.category,
                        "special_categories": e.special_categories,
                    },
                )
            )

        # Measures, each with a responsible agency on the team and an evaluation date.
        for _m in range(rng.randint(1, 4)):
            measure_type = rng.choice(self.measure_types)
            agency_id = rng.choice(team_ids)
            contact = worker(agency_id)
            draw = rng.random()
            evaluated_at = None
            if closed or draw < 0.2:  # evaluated and ended
                evaluated_at = between(started, end)
                start_on = day_between(start_day, timezone.localdate(evaluated_at))
                evaluation_on = day_between(start_on, timezone.localdate(evaluated_at))
                status = MeasureStatus.COMPLETED if rng.random() < 0.7 else MeasureStatus.STOPPED
            elif draw < 0.35:  # starts soon
                start_on = today + datetime.timedelta(days=rng.randint(1, 30))
                evaluation_on = start_on + datetime.timedelta(days=rng.randint(30, 120))
                status = MeasureStatus.PLANNED
            else:  # running; some past their evaluation date
                start_on = day_between(start_day, today)
                evaluation_on = max(
                    start_on + datetime.timedelta(days=14),
                    today + datetime.timedelta(days=rng.randint(-90, 120)),
                )
                status = MeasureStatus.ONGOING if rng.random() < 0.85 else MeasureStatus.PAUSED
            created_at = min(started + datetime.timedelta(days=(start_on - start_day).days), end)
            if start_on > today:
                created_at = between(started, end)
            measure = Measure(
                case=case,
                measure_type=measure_type,
                goal=rng.choice(MEASURE_GOALS),
                responsible_agency_id=agency_id,
                contact_name=contact[2],
                start_on=start_on,
                status=status,
                evaluation_on=evaluation_on,
                outcome=rng.choice(MEASURE_OUTCOMES) if evaluated_at else "",
                evaluated_at=evaluated_at,
                evaluated_by_id=contact[0] if evaluated_at else None,
                person_view=rng.choice(PERSON_VIEWS),
                created_by_id=coordinator[0],
                created_at=created_at,
            )
            plan["measures"].append(measure)
            added_as = MeasureStatus.ONGOING if evaluated_at else status
            plan["audit"].append(
                (
                    created_at,
                    "measure.added",
                    coordinator[0],
                    role.agency_id,
                    lambda m=measure, s=added_as: {
                        "measure": m.pk,
                        "type": m.measure_type.code,
                        "responsible_agency": m.responsible_agency_id,
                        "status": s,
                    },
                )
            )
            if evaluated_at:
                plan["audit"].append(
                    (
                        evaluated_at,
                        "measure.evaluated",
                        contact[0],
                        agency_id,
                        lambda m=measure: {"measure": m.pk, "status": m.status},
                    )
                )

        # A contact agreement now and then (step 6).
        if rng.random() < 0.6:
            agency_id = rng.choice(team_ids)
            contact = worker(agency_id)
            agreed = between(started, end)
            next_contact = None
            if not closed and rng.random() < 0.7:
                next_contact = today + datetime.timedelta(days=rng.randint(1, 21))
            agreement = ContactAgreement(
                case=case,
                agency_id=agency_id,
                contact_name=contact[2] or contact[1],
                channel=rng.choice(ContactChannel.values),
                when=rng.choice(CONTACT_WHEN),
                next_contact_on=next_contact,
                where=rng.choice(MEETING_PLACES),
                not_to_contact="Skaladata: politiet tar ikke direkte kontakt før første samtale."
                if rng.random() < 0.3
                else "",
                agreed_on=timezone.localdate(agreed),
                created_by_id=coordinator[0],
                created_at=agreed,
            )
            plan["agreements"].append(agreement)
            plan["audit"].append(
                (
                    agreed,
                    "conversation.agreement_added",
                    coordinator[0],
                    role.agency_id,
                    lambda a=agreement: {
                        "agreement": a.pk,
                        "agency": a.agency_id,
                        "channel": a.channel,
                    },
                )
            )

        # Conversations (step 14): the first one, and perhaps one more; an open case's
        # last one may lie ahead. For a child the guardians' and child welfare's part is
        # decided (check_conversation's rules).
        horizon = end if closed else self.now + datetime.timedelta(days=21)
        planned = sorted(between(started, horizon) for _c in range(rng.randint(0, 2)))
        for n, planned_at in enumerate(planned):
            planned_at = planned_at.replace(second=0, microsecond=0)
            created_at = between(started, min(planned_at, self.now))
            attendance, with_them = self._attendance(rng, person, plan["guardians"], planned_at)
            interpretation = "arabisk" in person.languages and rng.random() < 0.5
            trusted = ""
            if plan["resources"] and rng.random() < 0.3:
                trusted = plan["resources"][0].name
            held = planned_at < self.now - datetime.timedelta(hours=2) and (
                closed or rng.random() < 0.85
            )
            conversation = Conversation(
                case=case,
                is_first=n == 0,
                planned_at=planned_at,
                place=rng.choice(MEETING_PLACES),
                purpose=rng.choice(CONVERSATION_PURPOSES),
                attendees="\n".join([person.name, coordinator[2] or coordinator[1], *with_them]),
                trusted_person=trusted,
                interpretation_needed=interpretation,
                interpreter_language="arabisk" if interpretation else "",
                held_at=planned_at if held else None,
                held_by_id=coordinator[0] if held else None,
                created_by_id=coordinator[0],
                created_at=created_at,
                **attendance,
            )
            plan["conversations"].append(conversation)
            plan["audit"].append(
                (
                    created_at,
                    "conversation.planned",
                    coordinator[0],
                    role.agency_id,
                    lambda c=conversation: {
                        "conversation": c.pk,
                        "first": c.is_first,
                        "guardians": c.guardians_attend,
                        "child_welfare": c.child_welfare_attends,
                        "interpretation": c.interpretation_needed,
                    },
                )
            )
            if not held:
                continue
            if conversation.is_first:
                # The review task the first held conversation opens (L23).
                deadline = timezone.localdate(planned_at) + datetime.timedelta(
                    days=REVIEW_AFTER_FIRST_CONVERSATION_DAYS
                )
                done = closed or (deadline < today and rng.random() < 0.8)
                task = Task(
                    case=case,
                    title=FIRST_CONVERSATION_REVIEW,
                    owner_agency_id=role.agency_id,
                    owner_role_id=role.pk,
                    owner_name="",
                    deadline=deadline,
                    status=TaskStatus.DONE if done else TaskStatus.OPEN,
                    created_by_id=coordinator[0],
                    created_at=planned_at,
                )
                plan["tasks"].append(task)
                conversation.review_task = task
                plan["audit"].append(
                    (
                        planned_at,
                        "case.task_added",
                        coordinator[0],
                        role.agency_id,
                        lambda t=task: {"task": t.pk},
                    )
                )
            plan["audit"].append(
                (
                    planned_at,
                    "conversation.held",
                    coordinator[0],
                    role.agency_id,
                    lambda c=conversation: {
                        "conversation": c.pk,
                        "first": c.is_first,
                        "review_task": c.review_task.pk if c.review_task else None,
                    },
                )
            )

        # Reviews after exit on a closed exit case (L29), recorded when they were due.
        if closed:
            closed_day = timezone.localdate(end)
            for months in settings.EXIT_FOLLOW_UP_MONTHS:
                review = FollowUpReview(
                    case=case, months_after=months, due_on=add_months(closed_day, months)
                )
                plan["reviews"].append(review)
                if review.due_on < today and rng.random() < 0.7:
                    review.done_at = min(
                        end
                        + datetime.timedelta(days=(review.due_on - closed_day).days)
                        + datetime.timedelta(days=rng.randint(0, 14)),
                        self.now,
                    )
                    review.done_by_id = coordinator[0]
                    review.outcome = "Skaladata: personen har arbeid og holder seg unna miljøet."
                    plan["audit"].append(
                        (
                            review.done_at,
                            "exit.follow_up_reviewed",
                            coordinator[0],
                            role.agency_id,
                            lambda r=review: {"review": r.pk, "months_after": r.months_after},
                        )
                    )

        self._plan_assessments(plan, place, role, coordinator, started, end)

    def _attendance(self, rng, person, guardians, planned_at):
        """The guardians' and child welfare's part in a conversation, and who that adds
        to the attendees: decided, a "no" with its reason, for a child; mostly blank
        for an adult."""
        fields = {
            "guardians_attend": "",
            "guardians_reason": "",
            "child_welfare_attends": "",
            "child_welfare_reason": "",
        }
        attendees = []
        if is_minor_on(person, timezone.localdate(planned_at)):
            if guardians and rng.random() < 0.7:
                fields["guardians_attend"] = Attendance.YES
                attendees += [guardian.name for guardian in guardians]
            else:
                fields["guardians_attend"] = Attendance.NO
                fields["guardians_reason"] = (
                    "Skaladata: personen vil snakke alene først; foresatte er orientert."
                )
            answer = _weighted(
                rng, [(Attendance.YES, 40), (Attendance.NO, 40), (Attendance.NOT_APPLICABLE, 20)]
            )
            fields["child_welfare_attends"] = answer
            if answer == Attendance.YES:
                attendees.append("Barneverntjenesten (skaladata)")
            elif answer == Attendance.NO:
                fields["child_welfare_reason"] = (
                    "Skaladata: barneverntjenesten er orientert og deltar fra neste samtale."
                )
        elif rng.random() < 0.2:
            fields["guardians_attend"] = Attendance.NOT_APPLICABLE
            fields["child_welfare_attends"] = Attendance.NOT_APPLICABLE
        return fields, attendees

    # Risk and needs assessments ---------------------------------------------------

    def _plan_assessments(self, plan, place, role, coordinator, started, end):
        """Signed assessments on an exit case, as `assessments.services` would have left
        them (X7, X8, L25): 1–3 by the coordinator for the coordinator role's agency
        between the start of the exit work and `end`, each started after the one before
        was signed and superseding it, every item rated, a summary and a review date,
        and the information item signing writes. Each in a slot of its own of the time."""
        if end <= started:
            return
        rng = self.assessment_rng
        case, instrument = plan["case"], self.instrument
        agency_id = role.agency_id
        sector = place["agency_types"][agency_id]
        count = rng.randint(*ASSESSMENTS_PER_CASE)
        slot = (end - started) / count
        earlier = None
        for n in range(count):
            begun = started + slot * (n + rng.uniform(0, 0.5))
            signed_at = begun + min(slot * 0.5, datetime.timedelta(days=14)) * rng.random()
            assessed_on = timezone.localdate(begun)
            review_on = assessed_on + datetime.timedelta(days=rng.choice([60, 90, 120, 180]))
            judgement = " ".join(rng.sample(ASSESSMENT_SUMMARIES, rng.randint(1, 2)))
            entry = JournalEntry(
                case=case,
                agency_id=agency_id,
                author_id=coordinator[0],
                confidentiality=Confidentiality.CONFIDENTIAL,
                category=InformationCategory.ASSESSMENT,
                text=(
                    f"Skaladata (fiktiv): risiko- og behovskartlegging, {instrument.name_nb} "
                    f"versjon {instrument.version}, {assessed_on:%d.%m.%Y}. Ny vurdering innen "
                    f"{review_on:%d.%m.%Y}.\n\nOppsummering: {judgement}"
                ),
                written_at=signed_at,
                sector=sector,
                police_verification=rng.choice(PoliceVerification.values)
                if sector in POLICE_SECTORS
                else "",
            )
            assessment = Assessment(
                case=case,
                instrument=instrument,
                agency_id=agency_id,
                assessor_id=coordinator[0],
                assessed_on=assessed_on,
                review_on=review_on,
                summary=f"Skaladata (fiktiv): {judgement}",
                recommended_measures=rng.choice(MEASURE_GOALS) if rng.random() < 0.7 else "",
                # Signed (one UPDATE) once its ratings are in: the triggers refuse
                # ratings of a signed assessment.
                status=AssessmentStatus.DRAFT,
                supersedes=earlier,
                entry=entry,
                created_at=begun,
                signed_at=signed_at,
                version=3,  # started, saved, signed
            )
            plan["assessment_entries"].append(entry)
            plan["assessments"].append(assessment)
            for position, item_code, domain_code, options in self.instrument_items:
                rating = Rating(
                    assessment=assessment,
                    domain_code=domain_code,
                    item_code=item_code,
                    position=position,
                    value=rng.choice(options),
                )
                if rng.random() < UNKNOWN_SHARE:
                    rating.value = UNKNOWN
                    rating.unknown_reason = rng.choice(UNKNOWN_REASONS)
                elif rng.random() < 0.1:
                    rating.note = rng.choice(RATING_NOTES)
                plan["ratings"].append(rating)
            plan["audit"] += [
                (
                    begun,
                    "assessment.started",
                    coordinator[0],
                    agency_id,
                    lambda a=assessment, e=earlier: {
                        "assessment": a.pk,
                        "instrument": instrument.code,
                        "instrument_version": instrument.version,
                        "supersedes": e.pk if e else None,
                    },
                ),
                (
                    signed_at,
                    "case.journal_written",
                    coordinator[0],
                    agency_id,
                    lambda e=entry: {
                        "entry": e.pk,
                        "confidentiality": e.confidentiality,
                        "category": e.category,
                        "special_categories": e.special_categories,
                    },
                ),
                (
                    signed_at,
                    "assessment.signed",
                    coordinator[0],
                    agency_id,
                    lambda a=assessment, e=earlier: {
                        "assessment": a.pk,
                        "entry": a.entry.pk,
                        "supersedes": e.pk if e else None,
                    },
                ),
            ]
            earlier = assessment

    def _write_assessments(self, plans):
        """The batch's assessments, their ratings, then their signing.

        Each round inserts the next assessment of every case, so the one it supersedes
        already has its id; all as drafts, since the triggers refuse ratings of a signed
        assessment. One UPDATE then signs them (allowed: they are drafts until then)."""
        rounds = max((len(p["assessments"]) for p in plans), default=0)
        for n in range(rounds):
            Assessment.objects.bulk_create(
                [p["assessments"][n] for p in plans if len(p["assessments"]) > n]
            )
        ratings = [rating for p in plans for rating in p["ratings"]]
        Rating.objects.bulk_create(ratings)
        assessments = [assessment for p in plans for assessment in p["assessments"]]
        if assessments:
            Assessment.objects.filter(pk__in=[a.pk for a in assessments]).update(
                status=AssessmentStatus.SIGNED
            )
        for assessment in assessments:
            assessment.status = AssessmentStatus.SIGNED
        self.counts["assessments"] += len(assessments)
        self.counts["ratings"] += len(ratings)

    # The audit log ----------------------------------------------------------------

    def _append_audit(self, plans):
        """Append the batch's entries to the log in time order, authenticated with the
        audit key by `audit.services.append_generated`."""
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
