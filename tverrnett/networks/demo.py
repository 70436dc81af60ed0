"""Fictional demo networks for `seed_demo`: one municipal network with its forums,
the regional and national networks above it, and roles with gaps to show.

The gaps are on purpose, so the network health page has something to show:
the SLT coordinator and the police contact have no deputy, and the voluntary
organisation's membership was last confirmed more than a year ago.
"""

from datetime import timedelta

from django.utils import timezone

from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import (
    Forum,
    ForumAudience,
    Network,
    NetworkLevel,
    NetworkMember,
    Role,
    RoleKind,
)

NATIONAL = "Nasjonalt nettverk mot radikalisering og voldelig ekstremisme"
REGIONAL = "Regionalt nettverk Sør-Øst"
MUNICIPAL = "SLT-nettverket i Drammen"


def seed_networks(agencies, users):
    today = timezone.localdate()
    drammen = resolve_municipality("3301")

    national = _network(
        NATIONAL,
        NetworkLevel.NATIONAL,
        None,
        "Deler kunnskap og beslutninger fra nasjonalt nivå med regionale og lokale nettverk.",
        "Fire ganger i året",
    )
    regional = _network(
        REGIONAL,
        NetworkLevel.REGIONAL,
        national,
        "Samler politidistriktet, RVTS og kommunene i regionen om kompetanse og erfaring.",
        "Annenhver måned",
    )
    municipal = _network(
        MUNICIPAL,
        NetworkLevel.MUNICIPAL,
        regional,
        "Forebygger radikalisering og voldelig ekstremisme i Drammen og følger opp "
        "bekymringssaker i faste samarbeidsforum.",
        "Første tirsdag i måneden",
    )
    municipal.municipalities.set([drammen])

    _members(national, agencies, ["PST", "RVTS Øst", "Nav Grünerløkka"], today)
    _members(
        regional,
        agencies,
        [
            "Sør-Øst politidistrikt",
            "RVTS Sør",
            "Kriminalomsorgen region sør",
            "Konfliktrådet i Buskerud",
            "Drammen kommune – SLT",
        ],
        today,
    )
    _members(
        municipal,
        agencies,
        [
            "Drammen kommune – SLT",
            "Sør-Øst politidistrikt",
            "Nav Drammen",
            "Drammen kommune – barneverntjenesten",
            "Drammen videregående skole",
            "Drammen kommune – helsetjenesten",
            "Kriminalomsorgen region sør",
            "Konfliktrådet i Buskerud",
        ],
        today,
    )
    # Not confirmed for more than a year: the health page flags it.
    NetworkMember.objects.update_or_create(
        network=municipal,
        agency=agencies["Fiktiv idrettsklubb (demo)"],
        person=users["frivillig.demo"],
        defaults={"confirmed_at": today - timedelta(days=400)},
    )

    _forum(
        municipal,
        "Samarbeidsforum for unge",
        ForumAudience.YOUTH,
        agencies,
        [
            "Drammen kommune – SLT",
            "Sør-Øst politidistrikt",
            "Drammen kommune – barneverntjenesten",
            "Drammen videregående skole",
            "Drammen kommune – helsetjenesten",
        ],
    )
    _forum(
        municipal,
        "Samarbeidsforum for voksne",
        ForumAudience.ADULTS,
        agencies,
        [
            "Drammen kommune – SLT",
            "Sør-Øst politidistrikt",
            "Nav Drammen",
            "Kriminalomsorgen region sør",
            "Drammen kommune – helsetjenesten",
        ],
    )

    district = drammen.police_district
    _role(
        RoleKind.SLT_COORDINATOR,
        agencies["Drammen kommune – SLT"],
        users["slt.demo"],
        None,
        municipality=drammen,
        phone="32 04 00 00",
        email="slt@drammen.example",
    )
    _role(
        RoleKind.POLICE_RADICALISATION_CONTACT,
        agencies["Sør-Øst politidistrikt"],
        users["politi.demo"],
        None,
        police_district=district,
        phone="02800",
        email="radikalisering.sor-ost@politiet.example",
    )
    _role(
        RoleKind.NAV_CONTACT,
        agencies["Nav Drammen"],
        users["nav.demo"],
        users["ny.demo"],
        municipality=drammen,
        phone="55 55 33 33",
        email="nav.drammen@nav.example",
    )
    _role(
        RoleKind.RVTS_ADVISOR,
        agencies["RVTS Sør"],
        users["rvts.demo"],
        None,
        police_district=district,
        email="post@rvtssor.example",
    )
    _role(
        RoleKind.NETWORK_ADMINISTRATOR,
        agencies["Drammen kommune – SLT"],
        users["slt.demo"],
        users["leder.demo"],
        network=municipal,
    )
    # Child welfare owns a returnee's child's case (L28, exit work).
    _role(
        RoleKind.CHILD_WELFARE_CONTACT,
        agencies["Drammen kommune – barneverntjenesten"],
        users["barnevern.demo"],
        None,
        municipality=drammen,
    )
    # A role nobody holds: the health page lists it.
    _role(
        RoleKind.CORRECTIONAL_CONTACT,
        agencies["Kriminalomsorgen region sør"],
        None,
        None,
        police_district=district,
    )


def _network(name, level, parent, mandate, rhythm):
    network, _ = Network.objects.update_or_create(
        name=name,
        defaults={"level": level, "parent": parent, "mandate": mandate, "meeting_rhythm": rhythm},
    )
    return network


def _members(network, agencies, names, confirmed_at):
    for name in names:
        NetworkMember.objects.update_or_create(
            network=network,
            agency=agencies[name],
            person=None,
            defaults={"confirmed_at": confirmed_at},
        )


def _forum(network, name, audience, agencies, names):
    forum, _ = Forum.objects.update_or_create(
        network=network, name=name, defaults={"audience": audience}
    )
    forum.agencies.set([agencies[n] for n in names])


def _role(kind, agency, holder, deputy, **scope):
    contact = {key: scope.pop(key) for key in ("phone", "email") if key in scope}
    role, created = Role.objects.get_or_create(kind=kind, agency=agency, **scope, defaults=contact)
    if created:
        role.holder = holder
        role.deputy = deputy
        role.holder_since = timezone.now() if holder else None
        role.save()
    return role
