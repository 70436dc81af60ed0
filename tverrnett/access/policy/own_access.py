"""The person's own access (L33): what a person logged in through ID-porten may see.

The person is no user of Tverrnett: they are recognised only by the keyed hashes of
their identity number (`cases.identity_encryption.hashes_to_match`), kept in their
session. They see their individual plan when all of this holds, and nothing at all
otherwise (the page then says the same whatever the reason, so a login never tells
whether the networks hold a case about someone):

- the plan is active (a draft is still being worked out with them in meetings);
- it was made under a consent that asks for a plan and is valid today;
- the person is 16 or older by the recorded birth date or year (an unknown age is not
  enough; guardians' access for younger children is not built);
- no record of the person has a protected address (L37): while it is protected,
  nothing is shown, not even to the person, since a shared or seized phone could
  reveal where they live through the services named in the plan.
"""

from django.utils import timezone

OWN_ACCESS_MINIMUM_AGE = 16


def own_plans(identity_hashes, *, today=None):
    """The plans the person may read, as a list (normally one; two person records of the
    same person, before they are merged, may each have one)."""
    from tverrnett.cases.models import Person
    from tverrnett.consent.models import Consent
    from tverrnett.plans.models import IndividualPlan, PlanStatus

    if not identity_hashes:
        return []
    today = today or timezone.localdate()
    people = list(Person.objects.filter(identity_number_hash__in=list(identity_hashes)))
    if not people or any(person.address_is_protected for person in people):
        return []
    old_enough = [
        person.pk
        for person in people
        if (age := person.age_on(today)) is not None and age >= OWN_ACCESS_MINIMUM_AGE
    ]
    if not old_enough:
        return []
    return list(
        IndividualPlan.objects.filter(
            person_id__in=old_enough,
            status=PlanStatus.ACTIVE,
            consent__individual_plan=True,
            consent__in=Consent.objects.valid_on(today),
        ).select_related(
            "person", "case", "consent", "coordinator_role__agency", "coordinator_role__holder"
        )
    )


def own_plan(identity_hashes, plan_pk, *, today=None):
    """One of `own_plans`, or None."""
    return next(
        (plan for plan in own_plans(identity_hashes, today=today) if plan.pk == plan_pk), None
    )
