"""Taking personal data out of the outbox: deliveries and the sent-mail ledger.

Called by registrations.services.privacy when a workshop is anonymised or one person is erased. The rows
stay (a mailing's counts and history are kept); the address and name go. Anonymised addresses end in
ANONYMISED_DOMAIN, a reserved top-level domain that no mail server accepts (RFC 2606), and the audience
selectors leave them out, so nothing is ever sent to one.
"""

import re

from django.db.models import Q, QuerySet

from notifications.models import Delivery, LedgerEntry, Mailing

ANONYMISED_DOMAIN = "anonymised.invalid"
# Good enough to find an address inside an SMTP error text; not a validator.
EMAIL_RE = re.compile(r"[^\s<>()\[\],;:\"']+@[^\s<>()\[\],;:\"']+")
ADDRESS_REMOVED = "[address removed]"


def anonymised_email(prefix: str, pk: int) -> str:
    """A unique address that is not one: ``anonymised-p12@anonymised.invalid`` (p participant, r contact,
    d delivery). Unique per row, so the unique (delegation, email) and (mailing, email) constraints hold."""
    return f"anonymised-{prefix}{pk}@{ANONYMISED_DOMAIN}"


def is_anonymised(email: str) -> bool:
    return email.strip().lower().endswith("@" + ANONYMISED_DOMAIN)


def scrub_addresses(text: str) -> str:
    """Every email address in a free text (an SMTP error) replaced by a marker."""
    return EMAIL_RE.sub(ADDRESS_REMOVED, text)


def deliveries_anonymise(*, deliveries: QuerySet[Delivery]) -> int:
    """Replace address and name on the deliveries; pending ones will not be sent. Returns how many changed.

    Side effects: Delivery rows updated (email, name, last_error; pending or sending ones marked not sent).
    Idempotent: rows already anonymised are left alone.
    """
    rows = list(deliveries.exclude(email__iendswith="@" + ANONYMISED_DOMAIN))
    unsent = {Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.FAILED}
    for row in rows:
        row.email = anonymised_email("d", row.pk)
        row.name = ""
        row.last_error = scrub_addresses(row.last_error)
        if row.status in unsent:
            # The address is gone: there is nobody to send it to any more.
            row.status, row.next_attempt_at, row.claim = Delivery.Status.SKIPPED, None, ""
    Delivery.objects.bulk_update(rows, ["email", "name", "last_error", "status", "next_attempt_at", "claim"])
    return len(rows)


def workshop_deliveries(*, workshop_id: int, registration_ids) -> QuerySet[Delivery]:
    """Every delivery of the workshop's mailings, and any other about its delegations."""
    return Delivery.objects.filter(Q(mailing__workshop_id=workshop_id) | Q(registration_id__in=list(registration_ids)))


def deliveries_to(*, email: str) -> QuerySet[Delivery]:
    return Delivery.objects.filter(email__iexact=email.strip())


def ledger_forget_workshop(*, workshop_id: int, session_ids) -> int:
    """Delete the workshop's sent-mail ledger entries. Only for a workshop that is over: the ledger stops a
    mailing from reaching an address twice, and nothing is mailed about a workshop that is over.
    Side effects: LedgerEntry rows deleted. Returns how many."""
    keys = Q(key=f"material:workshop={workshop_id}")
    for session_id in session_ids:
        keys |= Q(key__startswith=f"reminder:session={session_id}:")
    for mailing in Mailing.objects.filter(workshop_id=workshop_id).exclude(kind__in=Mailing.REGISTRATION_KINDS):
        keys |= Q(key=mailing.ledger_key)
    deleted, _ = LedgerEntry.objects.filter(keys).delete()
    return deleted


def ledger_forget_email(*, email: str) -> int:
    """Delete the ledger entries of one address (a person erased on request). Returns how many."""
    deleted, _ = LedgerEntry.objects.filter(email__iexact=email.strip()).delete()
    return deleted
