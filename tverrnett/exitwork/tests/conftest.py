"""Exit work on the concern-case fixtures (one municipal network in Drammen).

`exit_case` is an identified case of the owner's with exit work started; the
partner's agency (Nav Drammen) is on its team with the whole case opened to it under
a legal basis; the outsider's agency is not.
`returnee_case` is the same with the person a returnee (child cases, L28), and
`adult_exit_case` one about an adult, whose consents are her own.
"""

import pytest

from tverrnett.cases import services as case_services
from tverrnett.cases.tests.conftest import *  # noqa: F403  (the case fixtures)
from tverrnett.consent.tests.conftest import (  # noqa: F401  (the consent fixtures used here)
    catalogue,
    child_welfare_agency,
    child_welfare_user,
    give_consent,
    volunteer,
    volunteer_agency,
)
from tverrnett.exitwork import services
from tverrnett.networks.models import ForumAudience


@pytest.fixture
def exit_case(case, owner, partner_agency, open_to):
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Kari Nav")
    open_to(case, partner_agency)
    services.start_exit_work(owner, case)
    case.refresh_from_db()
    return case


@pytest.fixture
def returnee_case(case, owner, partner_agency, open_to):
    """Like `exit_case`, with the person a returnee."""
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Kari Nav")
    open_to(case, partner_agency)
    services.start_exit_work(owner, case, is_returnee=True)
    case.refresh_from_db()
    return case


@pytest.fixture
def adult_exit_case(register, owner, partner_agency, open_to):
    """An exit case about Kari Nordmann (born 1990), Nav Drammen on the team."""
    case = register(
        person={"name": "Kari Nordmann", "birth_year": 1990}, audience=ForumAudience.ADULTS
    )
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Kari Nav")
    open_to(case, partner_agency)
    services.start_exit_work(owner, case)
    case.refresh_from_db()
    return case
