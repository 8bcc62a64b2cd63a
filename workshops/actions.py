"""The actions the record of who did what holds (workshops.ActionLog.action), by the names staff read.

Every ``log_action`` call passes one of these codes; the audit trail, a registration's log panel, the
privacy pages and an entry's own page show the name. A code without a name would show as itself
(«registration.link_resent»): tests/registrations/test_admin_action_log.py checks that every code the code
records is here, in Bokmål and Nynorsk.
"""

from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "registration.created": _("registered"),
    "registration.changed": _("registration changed"),
    "registration.moved": _("moved to another session"),
    "registration.promoted": _("got a seat from the waiting list"),
    "registration.cancelled": _("registration cancelled"),
    "workshop.created": _("workshop created"),
    "workshop.changed": _("workshop changed"),
    "session.created": _("session added"),
    "session.changed": _("session changed"),
    "session.opened": _("session opened"),
    "session.closed": _("session closed"),
    "session.deleted": _("session deleted"),
    "registration.confirmation_resent": _("confirmation sent again"),
    "registration.link_resent": _("link sent again"),
    "registration.link_rotated": _("new link"),
    "registration.disputed": _("registration disputed"),
    "registration.dispute_dismissed": _("dispute dismissed"),
    "registration.contact_transferred": _("registration given to the reporter"),
    "answers.saved": _("answers saved as a draft"),
    "answers.submitted": _("answers submitted"),
    "workshop.anonymised": _("personal data anonymised"),
    "mailing.created": _("mailing created"),
    "mailing.changed": _("mailing text changed"),
    "mailing.approved": _("mailing approved"),
    "mailing.approval_withdrawn": _("mailing approval withdrawn"),
    "mailing.sent": _("mailing sent"),
    "mailing.resent": _("mailing sent again"),
    "mailing.retried": _("failed emails sent again"),
    "municipal_contact.imported": _("municipal contacts imported"),
    "person.exported": _("one person's data exported"),
    "person.erased": _("one person's data erased"),
}


def action_label(code: str) -> str:
    """The action's name («registered», «link sent again»); an unknown code as it is."""
    return str(ACTION_LABELS.get(code, code))
