"""The one domain error of registrations, with a table of translated messages."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

MESSAGES = {
    "not_published": _("This workshop is not open for registration."),
    "not_open_yet": _("Registration opens %(opens)s."),
    "deadline_passed": _("Registration is closed. The registration deadline was %(deadline)s."),
    "municipality_not_valid": _(
        "%(municipality)s was not a municipality on the date of the workshop (%(date)s). "
        "Choose the municipality as it was on that date."
    ),
    "already_registered": _(
        "%(municipality)s is already registered for this workshop. The contact person can change the "
        "registration through the link in the confirmation email."
    ),
    "too_few_representatives": _(
        "The delegation needs at least %(minimum)s people who represent the municipality (the culture-school "
        "leader, other municipal leaders or other municipal services); it has %(count)s. Local actors and "
        "residents are welcome, but do not count toward the minimum."
    ),
    "missing_culture_school_leader": _("The delegation must include the culture-school leader."),
    "missing_municipal_leader": _(
        "The delegation must include at least one other leader of the municipality besides the culture-school leader."
    ),
    "too_many_participants": _("A delegation can have at most %(maximum)s participants; this one has %(count)s."),
    "no_participants": _("Add the participants of the delegation."),
    "duplicate_email": _(
        "%(email)s appears more than once in the delegation. Each participant needs their own email address."
    ),
    "session_not_available": _("The chosen session is not open for registration."),
    "session_full": _(
        "%(session)s does not have room for the whole delegation (free seats: %(free)s; the delegation: %(needed)s)."
    ),
    "registration_cancelled": _("This registration is cancelled."),
    "dispute_resolved": _("This dispute has been settled already."),
    "answers_locked": _("The workshop has started (%(starts)s): the answers can no longer be changed."),
    "answer_required": _("Answer this question before you send in the answers: «%(question)s»"),
    "answer_too_long": _("An answer can be at most %(maximum)s characters; this one has %(count)s."),
    "question_not_available": _("The question is not one of this workshop's questions."),
    "capacity_below_taken": _(
        "The capacity cannot be %(capacity)s: confirmed delegations already take %(taken)s seats in this session. "
        "Move or cancel delegations first."
    ),
    # Privacy (registrations.services.privacy)
    "workshop_not_over": _(
        "%(workshop)s is not over yet (its last session ends %(ends)s): its personal data are still needed."
    ),
    "erase_breaks_delegation": _(
        "The person cannot be removed from %(municipality)s's delegation to %(workshop)s: %(reasons)s Ask the "
        "contact person to name someone else first, or choose «Erase anyway» to anonymise the person where they "
        "are, keeping the seat."
    ),
}


@dataclass(frozen=True)
class Problem:
    code: str
    params: dict = field(default_factory=dict)
    # Which input it is about: a form field name ("municipality") or None for the whole form.
    field: str | None = None

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]) % self.params if self.params else str(MESSAGES[self.code])


class RegistrationError(Exception):
    """A rule refused the action. Carries one or more problems, each with a code and a message."""

    def __init__(self, code: str | None = None, *, field: str | None = None, problems=None, **params):
        if code is not None:
            problems = [Problem(code, params, field)]
        self.problems: list[Problem] = list(problems or [])
        super().__init__("; ".join(p.code for p in self.problems))

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.problems]
