"""Background and motivation in exit work (X5-X7): the topics and their structured
factors. An entry is an information item (`JournalEntry` with `topic` and `factor`),
written by an agency, so who reads it follows the consent and disclosure rules.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tverrnett.cases.models import InformationCategory


@dataclass(frozen=True)
class Topic:
    code: str
    title: str
    help_text: str
    # The information category an entry gets unless the writer picks another.
    category: str
    factors: tuple = ()


OTHER = ("other", _("Other (describe in the text)"))

TOPICS = (
    Topic(
        "push",
        _("Push factors"),
        _("What pushed the person away from the mainstream and towards the milieu."),
        InformationCategory.CONCERN,
        (
            ("exclusion", _("Exclusion or marginalisation")),
            ("discrimination", _("Discrimination or racism")),
            ("injustice", _("Experienced injustice or humiliation")),
            ("family_conflict", _("Conflict or violence in the family")),
            ("trauma", _("Trauma or loss")),
            ("no_school_work", _("No school, work or activity")),
            ("identity", _("Search for identity")),
            ("mental_health", _("Mental health problems")),
            OTHER,
        ),
    ),
    Topic(
        "pull",
        _("Pull factors"),
        _("What the milieu offered the person."),
        InformationCategory.CONCERN,
        (
            ("belonging", _("Belonging and community")),
            ("meaning", _("Meaning and purpose")),
            ("status", _("Status and respect")),
            ("excitement", _("Excitement and adventure")),
            ("protection", _("Protection and safety")),
            ("ideology", _("Ideology or world view")),
            ("money", _("Money or material benefits")),
            OTHER,
        ),
    ),
    Topic(
        "process",
        _("How the person was drawn in"),
        _("The individual, digital and societal processes that drew the person in."),
        InformationCategory.CONCERN,
        (
            ("individual", _("Individual process")),
            ("digital", _("Digital process (online milieus, social media)")),
            ("societal", _("Societal process")),
        ),
    ),
    Topic(
        "motivation",
        _("Motivation for leaving"),
        _("Why the person wants to leave; follow it over time."),
        InformationCategory.CONCERN,
        (
            ("disillusioned_ideology", _("Disillusioned with the ideology")),
            ("disillusioned_group", _("Disillusioned with the group or its leaders")),
            ("burnout", _("Tired or burnt out")),
            ("family", _("Family, partner or children")),
            ("new_relations", _("New relationships or a new milieu")),
            ("consequences", _("Fear of punishment or other consequences")),
            ("maturing", _("Age and maturing")),
            OTHER,
        ),
    ),
    Topic(
        "resistance",
        _("Resistance or fear of leaving"),
        _("What holds the person back."),
        InformationCategory.CONCERN,
        (
            ("reprisals", _("Fear of reprisals")),
            ("losing_belonging", _("Losing belonging and friends")),
            ("losing_identity", _("Losing identity or meaning")),
            ("dependency", _("Practical or economic dependency on the milieu")),
            ("stigma", _("Stigma and distrust from society")),
            OTHER,
        ),
    ),
    Topic(
        "protective",
        _("Protective factors"),
        _("What helps the person leave and stay out."),
        InformationCategory.MEASURES,
        (
            ("inner_motivation", _("Inner motivation")),
            ("supportive_environment", _("Supportive environment")),
            ("belonging", _("Belonging")),
            ("income", _("Income")),
            ("meaningful_activity", _("Meaningful activity")),
            OTHER,
        ),
    ),
    Topic(
        "needs",
        _("Needs"),
        _("What the person needs to manage a life outside the milieu."),
        InformationCategory.MEASURES,
        (
            ("work_education", _("Work or education")),
            ("housing", _("Housing")),
            ("income", _("Income")),
            ("health", _("Health")),
            ("family", _("Family")),
            ("network", _("Network and friends")),
            ("safety", _("Safety")),
            OTHER,
        ),
    ),
    Topic(
        "expectations",
        _("Expectations"),
        _("What the person expects of the process and of the services."),
        InformationCategory.MEASURES,
    ),
    Topic(
        "gender",
        _("Gender-sensitive considerations"),
        _(
            "Where relevant: women's and girls' roles and needs in the milieu and on the "
            "way out (for example as mothers, wives, recruiters or supporters)."
        ),
        InformationCategory.FAMILY,
        (
            ("role_in_milieu", _("Role in the milieu")),
            ("children_family", _("Children and family responsibilities")),
            ("control_violence", _("Control, violence or dependency in relationships")),
            ("own_needs", _("Own needs on the way out")),
            OTHER,
        ),
    ),
)

TOPICS_BY_CODE = {topic.code: topic for topic in TOPICS}


def factor_label(topic_code, factor_code):
    topic = TOPICS_BY_CODE.get(topic_code)
    return dict(topic.factors).get(factor_code, "") if topic else ""
