"""The printed case summary (issue 21, item 5): what the case page shows the user, as a
PDF marked "Unntatt offentlighet, offl. § 13", its generation a read in the audit log.

Four actors: the owner (the coordinator's agency), the partner (Nav Drammen, on the
team, with only some parts opened), the outsider (on no team) and `two_hats`, acting for
an agency with no relation to the case.
"""

import io

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services
from tverrnett.cases.models import CasePart, ConcernCase
from tverrnett.cases.tests import test_acting_agency, test_views

pytestmark = pytest.mark.django_db

team_case = test_views.team_case
unrelated_agency = test_acting_agency.unrelated_agency
two_hats = test_acting_agency.two_hats
act_for = test_acting_agency.act_for

MARKING = {"nb": "Unntatt offentlighet, offl. § 13", "nn": "Unnateke offentlegheit, offl. § 13"}
SUMMARY = "Ola trenger en voksen å snakke med etter skolen."
OWN_NOTE = "Første notat."  # the owner's journal entry in `team_case`
PARTNER_NOTE = "Nav har hatt samtale med Ola om arbeidstrening."
MISSING = 999999


def pdf_text(data):
    """The PDF's text with runs of whitespace (line breaks included) made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_texts(data):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def url(case_pk):
    return reverse("cases:print_summary", args=[case_pk])


def printed(case):
    return AuditEntry.objects.filter(
        action="case.summary_printed", target_type="cases.concerncase", target_id=str(case.pk)
    )


def reads(case):
    return AuditEntry.objects.filter(target_type="cases.concerncase", target_id=str(case.pk))


@pytest.fixture
def summarised(team_case):
    ConcernCase.objects.filter(pk=team_case.pk).update(summary=SUMMARY)
    team_case.refresh_from_db()
    return team_case


def get_pdf(client, case):
    response = client.get(url(case.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return response


def test_the_owner_prints_what_the_case_page_shows_marked_on_every_page(
    client, login_as, owner, summarised
):
    case = summarised
    login_as(client, owner)

    response = get_pdf(client, case)

    text = pdf_text(response.content)
    assert case.reference in text
    assert "Ola Nordmann" in text
    assert SUMMARY in text
    assert "Ring skolen" in text  # the task
    assert "Nav Drammen" in text  # the team
    assert "Onkel" in text  # the person's own network
    assert OWN_NOTE in text
    assert case.get_state_display() in text
    assert "Drammen kommune – SLT" in text  # the coordinator's agency and the printer's
    assert owner.get_full_name() in text
    for page in page_texts(response.content):
        assert page.count(MARKING["nb"]) >= 1
    # At the top (the first line of the first page) and in the footer.
    assert text.startswith(MARKING["nb"]) or page_texts(response.content)[0].count(MARKING["nb"])
    assert text.count(MARKING["nb"]) >= 2
    assert 'filename="sak-' in response["Content-Disposition"]


def test_printing_is_a_read_of_the_case_naming_the_parts_printed(
    client, login_as, owner, summarised
):
    login_as(client, owner)
    client.get(reverse("cases:detail", args=[summarised.pk]))
    page_read = reads(summarised).filter(action="case.viewed").latest("id")

    get_pdf(client, summarised)

    entry = printed(summarised).get()
    assert entry.actor_username == owner.username
    assert entry.agency_name == "Drammen kommune – SLT"
    # The same read as the case page's, under its own action.
    assert entry.detail["path"] == page_read.detail["path"]
    assert entry.detail["membership"] == page_read.detail["membership"]
    assert entry.detail["person"] == summarised.subject_id
    assert {"person", "summary", "tasks", "team", "journal", "measures"} <= set(
        entry.detail["parts"]
    )
    assert "timeline" not in entry.detail["parts"]


def test_the_summary_prints_in_nynorsk_for_a_nynorsk_reader(client, login_as, owner, summarised):
    login_as(client, owner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"

    text = pdf_text(get_pdf(client, summarised).content)

    assert MARKING["nn"] in text
    assert MARKING["nb"] not in text


def test_a_team_agency_prints_only_the_parts_opened_to_it(
    client, login_as, owner, partner, partner_agency, summarised, open_to
):
    case = summarised
    open_to(case, partner_agency, parts=[CasePart.IDENTITY])
    services.write_journal_entry(partner, case, text=PARTNER_NOTE, confidentiality="ordinary")
    login_as(client, partner)

    text = pdf_text(get_pdf(client, case).content)

    assert case.reference in text
    assert "Ola Nordmann" in text  # the identity is opened
    assert PARTNER_NOTE in text  # its own journal entry
    assert MARKING["nb"] in text
    # Not opened to Nav Drammen: the summary, the concern, the own network, another
    # agency's task and journal entry.
    assert SUMMARY not in text
    assert "ekstremt innhold" not in text
    assert "Onkel" not in text
    assert "Ring skolen" not in text
    assert OWN_NOTE not in text
    entry = printed(case).get()
    assert entry.detail["path"] == "team"
    assert "summary" not in entry.detail["parts"]
    assert "person" in entry.detail["parts"]


def test_a_team_agency_the_case_is_not_opened_to_sees_no_person(
    client, login_as, partner, summarised
):
    login_as(client, partner)

    text = pdf_text(get_pdf(client, summarised).content)

    assert summarised.reference in text
    assert "Ola Nordmann" not in text
    assert SUMMARY not in text


def test_special_category_items_are_withheld_from_the_print(client, login_as, owner, summarised):
    services.write_journal_entry(
        owner,
        summarised,
        text="Ola går til psykolog hver uke.",
        confidentiality="confidential",
        health_data=True,
    )
    login_as(client, owner)

    text = pdf_text(get_pdf(client, summarised).content)

    assert "psykolog" not in text
    assert "GDPR" in text
    entry = printed(summarised).get()
    assert len(entry.detail["withheld_items"]) == 1


def test_an_outsider_gets_what_a_missing_case_gets_and_leaves_no_entry(
    client, login_as, outsider, summarised
):
    login_as(client, outsider)
    before = reads(summarised).count()

    response = client.get(url(summarised.pk))

    assert response.status_code == 404
    assert client.get(url(MISSING)).status_code == 404
    assert reads(summarised).count() == before


def test_a_user_acting_for_an_unrelated_agency_gets_404_and_leaves_no_entry(
    client, login_as, two_hats, unrelated_agency, partner_agency, summarised, open_to
):
    open_to(summarised, partner_agency)  # their other agency sees the whole case
    act_for(client, login_as, two_hats, unrelated_agency)
    before = reads(summarised).count()

    response = client.get(url(summarised.pk))

    assert response.status_code == 404
    assert reads(summarised).count() == before


def test_the_case_page_links_to_the_summary(client, login_as, owner, summarised):
    login_as(client, owner)

    page = client.get(reverse("cases:detail", args=[summarised.pk])).content.decode()

    assert url(summarised.pk) in page


def _queries(client, case):
    with CaptureQueriesContext(connection) as queries:
        get_pdf(client, case)
    return len(queries)


def test_the_summary_makes_no_query_per_journal_entry(client, login_as, owner, summarised):
    login_as(client, owner)
    one = _queries(client, summarised)
    for number in range(4):
        services.write_journal_entry(
            owner, summarised, text=f"Notat {number}.", confidentiality="ordinary"
        )
    services.add_task(
        owner,
        summarised,
        title="Ring foreldrene",
        owner_agency=summarised.created_agency,
        owner_name="Eva",
        deadline=summarised.tasks.first().deadline,
    )

    assert _queries(client, summarised) == one
    assert one <= 19


def test_a_protected_address_is_never_printed(client, login_as, owner, summarised):
    from tverrnett.cases.models import Person, ProtectedAddress

    # The service keeps the address empty when it is protected; the print does not
    # count on that.
    Person.objects.filter(pk=summarised.subject_id).update(
        protected_address=ProtectedAddress.STRICTLY_CONFIDENTIAL, address="Skjultveien 7"
    )
    login_as(client, owner)

    text = pdf_text(get_pdf(client, summarised).content)

    assert "Skjultveien" not in text
    assert "Strengt fortrolig adresse" in text
