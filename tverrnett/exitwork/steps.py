"""The fourteen steps of exit work's planning and mapping checklist (X11), in order.

Each step is a `ChecklistItem` of the case with the step's code. Step 8 is the
first-step advice a social-media concern already has (ADVICE_BEFORE_CONTACT):
on such a case it stays at the top.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from tverrnett.cases.services import ADVICE_BEFORE_CONTACT


@dataclass(frozen=True)
class Step:
    number: int
    code: str
    title: str
    description: str
    # The action that does the step, by name; the exit-work page turns it into a
    # button or a link (see templates/exitwork/includes/step_action.html).
    action: str = ""
    # The case cannot go to active follow-up while this step is open.
    gates_follow_up: bool = False


STEPS = (
    Step(
        1,
        "exit_line_manager",
        _("Discuss with your line manager"),
        _("Discuss with the nearest leader how to set up the process."),
        gates_follow_up=True,
    ),
    Step(
        2,
        "exit_approach",
        _("Assess the approach and sketch a plan"),
        _(
            "Discuss and assess the approach; write a sketch of a plan; assess the need for "
            "more knowledge and whom to cooperate with."
        ),
        action="responsibilities",
    ),
    Step(
        3,
        "exit_police_contact",
        _("Involve the police radicalisation contact"),
        _(
            "Involve the police district's radicalisation contact (as a rule always), so it is "
            "clear who has main responsibility and who does what."
        ),
        action="police_contact",
        gates_follow_up=True,
    ),
    Step(
        4,
        "exit_other_agencies",
        _("Find the other agencies to contact"),
        _(
            "Find the other agencies with competence to contact: local PST, NAV, RVTS, the "
            "correctional service's radicalisation contact, conflict council, school "
            "management, SLT coordinator."
        ),
        action="suggest_agencies",
    ),
    Step(
        5,
        "exit_nav",
        _("Start cooperation with NAV"),
        _(
            "Start cooperation with NAV when living conditions need measures (work or "
            "education, housing, social support, network)."
        ),
        action="nav",
    ),
    Step(
        6,
        "exit_contact_agreement",
        _("Agree how contact takes place"),
        _(
            "Agree with partners how, when and where contact, dialogue or conversation takes "
            "place and who takes part."
        ),
        action="contact_agreements",
    ),
    Step(
        7,
        "exit_consent",
        _("Ask for consent"),
        _(
            "Ask the person, as early as possible, for consent to share information with "
            "other actors (consent declaration)."
        ),
        action="consent",
        gates_follow_up=True,
    ),
    Step(
        8,
        ADVICE_BEFORE_CONTACT,
        _("Get advice before contact (social media)"),
        _(
            "If the person came to attention through social media, get advice from the "
            "police or RVTS before contacting the person."
        ),
        action="ask_rvts",
    ),
    Step(
        9,
        "exit_assessment",
        _("Use risk and needs assessment tools"),
        _("Use risk and needs assessment tools; RVTS can assist."),
        action="assessments",
    ),
    Step(
        10,
        "exit_research",
        _("Research before the conversation"),
        _(
            "Do the research that is possible before the conversation; gather enough relevant "
            "knowledge (literature, resources)."
        ),
        action="guidance_pages",
    ),
    Step(
        11,
        "exit_earlier_mapping",
        _("Check earlier mapping"),
        _(
            "Check whether others have mapped the person before: previous residence or "
            "country, extremist ideology, religious affiliation, family, friends and network "
            "(the police contact or PST may know)."
        ),
        action="ask_police",
    ),
    Step(
        12,
        "exit_returnee_notice",
        _("Returning foreign fighter: notice from PST"),
        _(
            "Returning foreign fighter: PST notifies the police district, which notifies the "
            "municipality; the municipality decides on special follow-up."
        ),
        action="notification_chain",
    ),
    Step(
        13,
        "exit_return_learned_locally",
        _("Return learned locally: tell the police"),
        _(
            "If the municipality or NAV learns of a return first: contact the police, who "
            "notify PST."
        ),
        action="notification_chain",
    ),
    Step(
        14,
        "exit_conversation_attendees",
        _("Decide who attends the conversations"),
        _(
            "Decide who attends the first and later conversations: parents or guardians, "
            "child welfare, another trusted person, interpreter."
        ),
        action="conversations",
    ),
)

STEPS_BY_CODE = {step.code: step for step in STEPS}
GATE_CODES = tuple(step.code for step in STEPS if step.gates_follow_up)
