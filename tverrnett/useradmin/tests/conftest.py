import re

import pytest

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import MembershipRole


@pytest.fixture
def admin(make_user, owner_agency):
    return make_user(
        "admin", owner_agency, MembershipRole.AGENCY_ADMIN, first_name="Ada", last_name="Admin"
    )


@pytest.fixture
def other_admin(make_user, partner_agency):
    return make_user("annen-admin", partner_agency, MembershipRole.AGENCY_ADMIN)


@pytest.fixture
def colleague(make_user, owner_agency):
    """A member of the same agency who is no administrator."""
    return make_user(
        "kollega", owner_agency, MembershipRole.CASE_WORKER, first_name="Kari", last_name="Kollega"
    )


@pytest.fixture
def elsewhere_admin(make_user, owner_agency, outsider_agency):
    """Administrator of the owning agency too, but acting for an unrelated agency."""
    from tverrnett.accounts.models import Membership

    user = make_user("flere", outsider_agency, MembershipRole.CASE_WORKER)
    Membership.objects.create(user=user, agency=owner_agency, role=MembershipRole.AGENCY_ADMIN)
    return user


def act_for(client, user, agency):
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = user.memberships.get(agency=agency, is_active=True).pk
    session.save()


@pytest.fixture
def login_actor(client, login_as, admin, other_admin, colleague, elsewhere_admin, outsider_agency):
    """Log `client` in as one of the four actors by name."""

    def login(name):
        user = {
            "admin": admin,
            "other_admin": other_admin,
            "colleague": colleague,
            "elsewhere_admin": elsewhere_admin,
        }[name]
        login_as(client, user)
        if name == "elsewhere_admin":
            act_for(client, user, outsider_agency)
        return user

    return login


def token_from(mail):
    return re.search(r"/invitasjon/([A-Za-z0-9_-]+)/", mail.body).group(1)
