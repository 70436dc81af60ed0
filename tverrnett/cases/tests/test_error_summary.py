"""The error summary and the character counter on a form page (issue 21, item 9),
shown on the intake form: every error at once, each field's with a link to the field,
and a too long text refused with a message that names the limit."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tverrnett.cases.models import ConcernCase
from tverrnett.core.texts import LONG_TEXT_MAX

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(network, drammen, slt_role, youth_forum, adult_forum):
    def data(**extra):
        return {
            "network": network.pk,
            "municipality": drammen.pk,
            "coordinator_role": slt_role.pk,
            "audience": "youth",
            "observation": "Deler voldelig innhold.",
            "source": "social_media",
            "urgency": "routine",
            **extra,
        }

    return data


def _summary(html):
    match = re.search(
        r'<div class="ds-error-summary[^"]*" data-error-summary[^>]*>(.*?)</div>', html, re.S
    )
    assert match, "no error summary on the page"
    return match.group(0)


def test_an_empty_form_lists_every_error_with_a_link_to_its_field(client, login_as, owner, intake):
    login_as(client, owner)
    empty = {"municipality": "", "audience": "", "observation": "", "source": ""}

    response = client.post(reverse("cases:new_anonymous"), intake(**empty))

    assert response.status_code == 200
    form = response.context["form"]
    summary = _summary(response.content.decode())
    assert 'tabindex="-1"' in summary
    links = re.findall(r'<a class="ds-link" href="#([^"]+)">', summary)
    # Every field with an error has a link, and each link points at an input on the page.
    assert len(links) == sum(len(form[name].errors) for name in form.errors)
    assert {"id_observation", "id_source", "id_municipality", "id_audience_0"} <= set(links)
    for target in links:
        assert f'id="{target}"' in response.content.decode()
    # The message beside the field stays, tied to the input.
    assert 'aria-describedby="id_observation_helptext id_observation_error' in (
        response.content.decode()
    )
    assert not ConcernCase.objects.exists()


def test_a_page_without_errors_has_no_summary(client, login_as, owner, intake):
    login_as(client, owner)

    response = client.get(reverse("cases:new_anonymous"))

    assert "data-error-summary" not in response.content.decode()


def test_a_textarea_with_a_limit_shows_the_characters_left_and_has_no_maxlength(
    client, login_as, owner, intake
):
    login_as(client, owner)

    response = client.get(reverse("cases:new_anonymous"))
    html = response.content.decode()
    limit = response.context["form"].fields["observation"].max_length

    assert f'data-limit="{limit}"' in html
    assert f"{limit} tegn igjen" in html
    textarea = re.search(r"<textarea[^>]*id=\"id_observation\"[^>]*>", html).group(0)
    assert "maxlength" not in textarea
    assert "id_observation_counter" in textarea


def test_a_too_long_text_is_refused_with_the_limit_named(client, login_as, owner, intake):
    login_as(client, owner)

    response = client.post(
        reverse("cases:new_anonymous"), intake(observation="x" * (LONG_TEXT_MAX + 5))
    )

    html = response.content.decode()
    assert f"{LONG_TEXT_MAX}" in " ".join(response.context["form"].errors["observation"])
    assert "5 tegn for mye" in html
    assert 'data-state="over"' in html
    assert not ConcernCase.objects.exists()


def test_an_observation_before_1900_is_refused(client, login_as, owner, intake):
    login_as(client, owner)

    response = client.post(reverse("cases:new_anonymous"), intake(observed_on="1826-05-01"))

    assert response.context["form"].errors["observed_on"] == [
        "Datoen er før 1900. Sjekk årstallet, for eksempel 28.11.2026."
    ]
    assert not ConcernCase.objects.exists()


def test_a_task_deadline_in_the_past_is_refused(client, login_as, owner, case):
    login_as(client, owner)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client.post(
        reverse("cases:add_task", args=[case.pk]),
        {"title": "Ring skolen", "owner_agency": case.created_agency.pk, "deadline": yesterday},
    )

    assert response.status_code == 200
    assert "deadline" in response.context["form"].errors
    assert not case.tasks.exists()
