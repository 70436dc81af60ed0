"""A voluntary-organisation user reaches the network pages and nothing else is left to chance (N9).

Acceptance: "A voluntary-organisation user can reach the network pages and
none of the case pages (tested through the URL walk)." The walk requests
every route as such a user. Every namespace in the URLconf must be on the
list below, each one a decision about what voluntary organisations get
there: when a new namespace (for example "someday") appears, this test fails
until someone has decided and written it down here.
"""

import pytest
from django.urls import include, path, reverse

from tverrnett.access.rules import member
from tverrnett.access.urlwalk import routes
from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.networks.models import Network, NetworkLevel, NetworkMember

pytestmark = pytest.mark.django_db

# Namespace -> what a voluntary-organisation user gets there. None of these
# holds case data; a namespace that does must not be added without tests of
# its own that refuse voluntary organisations.
CONSIDERED_NAMESPACES = {
    "core": "the home page and the accessibility statement",
    "accounts": "logging in and out, switching agency",
    "networks": "the networks their organisation is a member of, and above",
    "agencies": "the directory, open to every member",
    "announcements": "announcements in their networks",
    "events": "competence-building events",
    "guidance": "guidance resources, the resource library (read only), and requests from "
    "their own organisation",
    "cases": "nothing: every case page answers 404 (test_the_walk_as_a_volunteer below, "
    "and the walk with real cases in cases/tests/test_views.py); only a valid consent that "
    "names their organisation, once they accepted the confidentiality declaration, opens "
    "the restricted case page (L49, consent/tests/test_views.py)",
    "consent": "the confidentiality declaration and the legal-basis catalogue; every "
    "consent page of a case answers 404, consent or not (consent/tests/test_views.py); "
    "requests for information go between case-work agencies only: the list answers 404 "
    "and every request too (consent/tests/test_information_requests.py)",
    "measures": "the catalogue of measure types; every measures page of a case answers 404, "
    "consent or not (measures/tests/test_views.py)",
    "conversations": "nothing: every contact-agreement and conversation page of a case "
    "answers 404, consent or not (conversations/tests/test_views.py)",
    "exitwork": "nothing: every exit-work page of a case answers 404, consent or not "
    "(exitwork/tests/test_views.py)",
    "plans": "nothing: every individual-plan page of a case answers 404, consent or not "
    "(plans/tests/test_views.py)",
    "notices": "an empty inbox (notices go to roles in public agencies, never to a "
    "voluntary organisation); starting a chain is refused (403) and every chain answers 404 "
    "(notices/tests/test_views.py)",
    "assessments": "the published instruments (no case data) and, for a manager, their own "
    "users' rater certifications; every assessment page of a case answers 404, consent or "
    "not (assessments/tests/test_views.py)",
    "meetings": "the meetings of the forums of a network their organisation is a member "
    "of, if any: date, place and attendance; every agenda item shows as a case not "
    "available to them unless a valid consent opens the case; no minutes or decisions "
    "(they do no case work), and no planning (meetings/tests/test_views.py)",
    "documents": "nothing: every document page of a case answers 404, consent or not, "
    "and the journal item a document version was disclosed in shows its text only "
    "(documents/tests/test_views.py)",
    "tasks": "nothing: the task inbox answers 404 (a voluntary organisation does no case "
    "work) and giving a task to a colleague too (cases/tests/test_task_inbox.py)",
    "duplicates": "nothing: a possible-duplicate notice goes to a case's coordinator role, "
    "and every notice page answers 404 (duplicates/tests/test_views.py)",
    "useradmin": "their own account (password and authenticator app) and an invitation "
    "link; an agency's account administration only as that agency's administrator acting "
    "for it, 404 to everyone else (useradmin/tests/test_views.py); no case data",
    "logreview": "nothing: the log review is for the privacy officer of the agency acted "
    "for, and answers 404 to everyone else (logreview/tests/test_views.py)",
    "records": "nothing: the records pages are for the records officer of the agency acted "
    "for, and answer 404 to everyone else (records/tests/test_views.py)",
    "ownaccess": "nothing: the person's own pages need the person's ID-porten login; a "
    "member's session is sent to that login (ownaccess/tests/test_own_access.py)",
}
CONSIDERED_UNNAMESPACED = {"set_language"}


def _namespace(route):
    return route.name.split(":", 1)[0] if ":" in route.name else None


def unconsidered_routes(urlconf=None):
    """Routes in a namespace nobody has decided about for voluntary organisations."""
    return sorted(
        route.name or route.path
        for route in routes(urlconf)
        if (
            _namespace(route) not in CONSIDERED_NAMESPACES
            if _namespace(route)
            else route.name not in CONSIDERED_UNNAMESPACED
        )
    )


def test_every_namespace_has_been_considered_for_voluntary_organisations():
    assert routes()
    assert unconsidered_routes() == []


def _someday_list(request):
    raise AssertionError("never called")


_someday_patterns = ([path("en-dag/", member(_someday_list), name="list")], "someday")
urlpatterns = [
    path("", include(_someday_patterns)),
    path("uten-navn/", member(_someday_list)),
    path("", include("tverrnett.urls")),
]


def test_the_check_fails_when_a_new_namespace_appears():
    assert unconsidered_routes(__name__) == ["/uten-navn/", "someday:list"]


@pytest.fixture
def volunteer_network(make_agency, owner_agency):
    voluntary = make_agency("Frivillig i Drammen", AgencyType.VOLUNTARY_ORG)
    network = Network.objects.create(name="SLT-nettverket i Drammen", level=NetworkLevel.MUNICIPAL)
    NetworkMember.objects.create(network=network, agency=voluntary)
    NetworkMember.objects.create(network=network, agency=owner_agency)
    return voluntary, network


@pytest.fixture
def volunteer(make_user, volunteer_network):
    voluntary, _network = volunteer_network
    return make_user("frivillig", voluntary, MembershipRole.BRIDGE_BUILDER, first_name="Frida")


def test_a_volunteer_reaches_the_network_pages(client, login_as, volunteer, volunteer_network):
    _voluntary, network = volunteer_network
    login_as(client, volunteer)

    for url in [
        reverse("networks:list"),
        reverse("networks:detail", args=[network.pk]),
        reverse("announcements:list"),
        reverse("events:list"),
        reverse("guidance:resources"),
        reverse("agencies:list"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    assert network.name in client.get(reverse("networks:list")).content.decode()


@pytest.mark.parametrize("route", routes(), ids=lambda route: route.name or route.path)
def test_the_walk_as_a_volunteer(client, login_as, volunteer, route):
    """Every route answers the volunteer without error; logging out is left for last."""
    if route.name == "accounts:logout":
        return
    login_as(client, volunteer)

    response = client.get(route.path)

    assert response.status_code in (200, 302, 403, 404, 405), (route.name, response.status_code)
    if _namespace(route) in ("cases", "tasks", "logreview", "records") or route.path.startswith(
        "/saker/"
    ):
        assert response.status_code in (404, 405), (route.name, response.status_code)
    assert _namespace(route) in CONSIDERED_NAMESPACES or route.name in CONSIDERED_UNNAMESPACED
