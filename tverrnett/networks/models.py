"""Networks, their forums, and the roles that keep them stable through turnover (N1–N5).

A role (for example "SLT coordinator of Færder") belongs to an agency and
outlives the people who hold it: it has a holder and a deputy, and
`services.hand_over_role` moves it to a new holder in one step. Whatever
later gets assigned to a role (cases coordinated, tasks) points at the Role,
never at the person, so it follows the role.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class NetworkLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    REGIONAL = "regional", _("Regional")
    INTERMUNICIPAL = "intermunicipal", _("Intermunicipal")
    MUNICIPAL = "municipal", _("Municipal")


# A network's parent sits on a higher level; the order is the seed text's.
_LEVEL_RANK = {
    NetworkLevel.NATIONAL: 0,
    NetworkLevel.REGIONAL: 1,
    NetworkLevel.INTERMUNICIPAL: 2,
    NetworkLevel.MUNICIPAL: 3,
}


class Network(models.Model):
    """Fagnettverk / tverretatlig nettverk."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    level = models.CharField(_("level"), max_length=20, choices=NetworkLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent network"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    municipalities = models.ManyToManyField(
        "geography.Municipality",
        verbose_name=_("municipalities"),
        blank=True,
        related_name="networks",
    )
    mandate = models.TextField(_("mandate"), blank=True)
    meeting_rhythm = models.CharField(_("meeting rhythm"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("member agencies"),
        through="NetworkMember",
        related_name="networks",
    )
    # The version the user read, moved on by each save (C5, tverrnett/core/versions.py).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")

    def __str__(self):
        return self.name

    def clean(self):
        if self.level == NetworkLevel.NATIONAL and self.parent_id is not None:
            raise ValidationError({"parent": _("A national network has no parent network.")})
        if self.parent is not None and _LEVEL_RANK[self.parent.level] >= _LEVEL_RANK[self.level]:
            raise ValidationError(
                {"parent": _("The parent network must be on a higher level than this one.")}
            )


class NetworkMember(models.Model):
    """An agency in a network, optionally with the named person who represents it.

    `confirmed_at` is when the membership was last confirmed as still right;
    the network health page flags members not confirmed in the last year.
    """

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="members")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="network_members"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("named member"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="network_memberships",
    )
    confirmed_at = models.DateField(_("last confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["network", "agency__name"]
        verbose_name = _("network member")
        verbose_name_plural = _("network members")
        constraints = [
            # An agency is in a network once, and each named person once.
            models.UniqueConstraint(
                fields=["network", "agency"],
                condition=models.Q(person__isnull=True),
                name="network_member_unique_agency",
            ),
            models.UniqueConstraint(
                fields=["network", "agency", "person"],
                condition=models.Q(person__isnull=False),
                name="network_member_unique_person",
            ),
        ]

    def __str__(self):
        return f"{self.agency} – {self.network}"


class ForumAudience(models.TextChoices):
    YOUTH = "youth", _("Young people")
    ADULTS = "adults", _("Adults")
    BOTH = "both", _("Young people and adults")


class Forum(models.Model):
    """Samarbeidsforum for bekymringssaker: a standing case forum in a municipal network (N3)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="forums")
    name = models.CharField(_("name"), max_length=200)
    audience = models.CharField(_("for"), max_length=10, choices=ForumAudience.choices)
    agencies = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("fixed member agencies"), related_name="forums"
    )
    meeting_rhythm = models.CharField(_("meeting rhythm"), max_length=200, blank=True)
    # The version the user read, moved on by each save (C5, tverrnett/core/versions.py).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["network", "name"]
        verbose_name = _("case forum")
        verbose_name_plural = _("case forums")
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="forum_unique_name")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.network_id and self.network.level != NetworkLevel.MUNICIPAL:
            raise ValidationError({"network": _("Case forums belong to a municipal network.")})


class RoleKind(models.TextChoices):
    """The roles a network depends on (DOMAIN.md, "Who uses it"; L55)."""

    SLT_COORDINATOR = "slt_coordinator", _("SLT coordinator")
    POLICE_RADICALISATION_CONTACT = (
        "police_radicalisation_contact",
        _("Radicalisation contact in the police district"),
    )
    PST_CONTACT = "pst_contact", _("PST contact")
    NAV_CONTACT = "nav_contact", _("NAV contact")
    RVTS_ADVISOR = "rvts_advisor", _("RVTS advisor")
    CORRECTIONAL_CONTACT = (
        "correctional_contact",
        _("Radicalisation contact in the correctional service"),
    )
    CONFLICT_COUNCIL_CONTACT = "conflict_council_contact", _("Conflict council contact")
    SCHOOL_CONTACT = "school_contact", _("School contact")
    CHILD_WELFARE_CONTACT = "child_welfare_contact", _("Child welfare contact")
    HEALTH_CONTACT = "health_contact", _("Health service contact")
    NETWORK_ADMINISTRATOR = "network_administrator", _("Network administrator")


class Role(models.Model):
    """Rolle: a function an agency fills, with a holder and a deputy (N5).

    The scope says what the role covers: a municipality (SLT coordinator), a
    police district (radicalisation contact), or a network. The phone and
    e-mail are the role's own contact point, which survive a handover.
    """

    kind = models.CharField(_("role"), max_length=40, choices=RoleKind.choices)
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="roles"
    )
    municipality = models.ForeignKey(
        "geography.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles",
    )
    police_district = models.ForeignKey(
        "geography.PoliceDistrict",
        verbose_name=_("police district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles",
    )
    network = models.ForeignKey(
        Network,
        verbose_name=_("network"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles_held",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles_deputised",
    )
    holder_since = models.DateTimeField(_("held since"), null=True, blank=True)
    # Stale-edit guard (invariant 3): a handover based on an old view of the role is refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["kind", "agency__name"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(holder=models.F("deputy")) | models.Q(holder__isnull=True),
                name="role_holder_is_not_deputy",
            )
        ]

    def __str__(self):
        scope = self.municipality or self.police_district or self.network or self.agency
        return f"{self.get_kind_display()}, {scope}"


class RoleHandover(models.Model):
    """Overlevering: who handed a role to whom, when and why; the role's history."""

    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="handovers")
    previous_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    new_holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    previous_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    new_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    handed_over_at = models.DateTimeField(_("time"))
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ["-handed_over_at"]
        verbose_name = _("role handover")
        verbose_name_plural = _("role handovers")

    def __str__(self):
        return f"{self.role}: {self.previous_holder} → {self.new_holder}"
