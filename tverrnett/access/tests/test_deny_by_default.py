"""Every view declares its access rule, and anonymous users reach only the public ones."""

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path

from tverrnett.access.rules import LOGIN_STEP, PERSON, PUBLIC, member
from tverrnett.access.urlwalk import routes

pytestmark = pytest.mark.django_db

# The short list of views anyone may reach without logging in.
PUBLIC_ALLOW_LIST = {
    "accounts:login",
    # The OIDC login: start, the provider's answer, and its front-channel logout.
    "accounts:oidc_start",
    "accounts:oidc_callback",
    "accounts:oidc_logout",
    "core:healthz",
    # Prometheus's scrape: the bearer token is the key, a 404 without it (core.metrics).
    "core:metrics",
    "core:accessibility",
    "set_language",
    # The invitation link: the random one-time token in it is the key (issue 19).
    "useradmin:accept",
    # Where a person starts their own access to their plan: the ID-porten button (L33).
    "ownaccess:start",
}


def undeclared_routes(urlconf=None):
    return [route.name or route.path for route in routes(urlconf) if route.rule is None]


def test_every_url_pattern_declares_an_access_rule():
    assert routes(), "the walk found no URL patterns at all"
    assert undeclared_routes() == []


def test_only_the_allow_list_is_public():
    public = {route.name for route in routes() if route.rule == PUBLIC}
    assert public == PUBLIC_ALLOW_LIST


@pytest.mark.parametrize("route", routes(), ids=lambda route: route.name or route.path)
def test_anonymous_users_are_refused_outside_the_allow_list(client, route):
    if route.name in PUBLIC_ALLOW_LIST:
        return
    for method in (client.get, client.post):
        response = method(route.path)
        if route.rule == LOGIN_STEP:
            # A login step without a half-finished login sends the user back to the start.
            assert response.status_code in (302, 405), (route.name, response.status_code)
            if response.status_code == 302:
                assert response.url.startswith("/logg-inn/")
        elif route.rule == PERSON:
            # The person's own pages send anyone without a person's session to its login.
            assert response.status_code == 302, (route.name, response.status_code)
            assert response.url == "/min-plan/logg-inn/"
        else:
            assert response.status_code == 302, (route.name, response.status_code)
            assert response.url.startswith("/logg-inn/?next=")


def _undeclared(request):
    return HttpResponse("personal data")


urlpatterns = [
    path("declared/", member(_undeclared), name="declared"),
    path("undeclared/", _undeclared, name="undeclared"),
    path("", include("tverrnett.urls")),
]


def test_the_walk_fails_for_a_view_added_without_a_rule():
    assert undeclared_routes(__name__) == ["undeclared"]


@override_settings(ROOT_URLCONF=__name__)
def test_an_undeclared_view_is_refused_even_for_a_logged_in_user(client, login_as, owner):
    login_as(client, owner)

    assert client.get("/declared/").status_code == 200
    response = client.get("/undeclared/")
    assert response.status_code == 403
    assert b"personal data" not in response.content


def test_a_password_alone_reaches_no_member_view(client, owner):
    client.force_login(owner)  # logged in, but without the second factor

    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/logg-inn/")


def test_a_user_whose_membership_ended_loses_access_at_once(client, login_as, owner):
    login_as(client, owner)
    owner.memberships.update(is_active=False)

    assert client.get("/").status_code == 403


def test_htmx_requests_are_told_to_go_to_the_login_page(client):
    response = client.get("/", headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/logg-inn/"
