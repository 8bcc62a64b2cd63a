"""Privacy: a workshop's personal data anonymised when its retention period is over, and one person erased
on request. What the privacy notice promises (templates/registrations/privacy.html) is done here.

Anonymising keeps the rows, so the municipality-level statistics stay true: which municipalities registered,
how many people, in which roles and sessions, and the input answers (which were never tied to a name).
Names, addresses, phone numbers and job titles go, from the registrations and participants, from the
outbox (deliveries, the sent-mail ledger) and from the record of who did what (ActionLog and the admin's
history). Addresses become unique non-addresses (``anonymised-p12@anonymised.invalid``) that nothing is
ever sent to.
"""

import dataclasses
import datetime
import json
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from notifications import privacy as outbox
from registrations.errors import RegistrationError
from registrations.models import Participant, Registration, new_token
from registrations.services.registrations import registration_update
from registrations.services.rules import ContactData, ParticipantData
from workshops.audit import SYSTEM, Actor, log_action
from workshops.formatting import format_datetime
from workshops.models import ActionLog, Workshop

# Keys of the recorded snapshots (registrations.services.seats) that hold personal data.
PERSONAL_KEYS = frozenset({"name", "email", "phone", "title", "contact_name", "contact_email", "contact_phone"})
EMAIL_KEYS = frozenset({"email", "contact_email"})
# «participants_changed» entries name the participant under this key.
NAME_KEYS = frozenset({"participant"})
# Shorter names are not searched for inside longer texts: «Al» would be cut out of every «Alta».
MIN_NAME_LENGTH = 3


def anonymised_label() -> str:
    """The placeholder for a name, in the site's language: the rows are read in Bokmål."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("anonymised")


def email_digest(email: str) -> str:
    """A keyed hash of an address for the log of who did what: the record can say «this address was erased»
    without holding it. Keyed with SECRET_KEY, so a list of guessed addresses cannot be checked offline."""
    return salted_hmac("registrations.privacy.email", email.strip().lower(), algorithm="sha256").hexdigest()


# --- Scrubbing recorded data ----------------------------------------------------------------------


@dataclasses.dataclass
class Scrubber:
    """Takes personal data out of recorded JSON and text.

    ``everyone``: a whole workshop, so every value under a personal key goes, and every address. Otherwise
    one person: the values of the snapshots that carry their address, and their address, names, phone
    numbers and titles wherever they appear.
    """

    emails: set[str]
    texts: set[str]
    everyone: bool
    label: str = dataclasses.field(default_factory=anonymised_label)

    def __post_init__(self):
        self.emails = {e.strip().lower() for e in self.emails if e.strip()}
        self.texts = {t.strip() for t in self.texts if len(t.strip()) >= MIN_NAME_LENGTH}
        needles = sorted(self.emails | self.texts, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None

    def text(self, value: str) -> str:
        if self.everyone:
            value = outbox.scrub_addresses(value)
        if self._pattern is not None:
            value = self._pattern.sub(lambda m: outbox.ADDRESS_REMOVED if "@" in m.group() else self.label, value)
        return value

    def _theirs(self, value: Any) -> bool:
        values = value if isinstance(value, list) else [value]
        return any(isinstance(v, str) and v.strip().lower() in self.emails for v in values)

    def data(self, value: Any, *, key: str | None = None, whole: bool = False) -> Any:
        if isinstance(value, dict):
            whole = self.everyone or any(self._theirs(value.get(k)) for k in EMAIL_KEYS)
            return {k: self.data(v, key=k, whole=whole) for k, v in value.items()}
        if isinstance(value, list):
            return [self.data(v, key=key, whole=whole) for v in value]
        if isinstance(value, str) and value:
            if key in NAME_KEYS and self.everyone or (whole and key in PERSONAL_KEYS):
                if key in EMAIL_KEYS:
                    return value if outbox.is_anonymised(value) else outbox.ADDRESS_REMOVED
                return self.label
            return self.text(value)
        return value


def _scrub_action_log(entries: Iterable[ActionLog], scrubber: Scrubber) -> int:
    changed = []
    for entry in entries:
        data, representation = scrubber.data(entry.data), scrubber.text(entry.object_repr)
        if (data, representation) != (entry.data, entry.object_repr):
            entry.data, entry.object_repr = data, representation
            changed.append(entry)
    ActionLog.objects.bulk_update(changed, ["data", "object_repr"])
    return len(changed)


def _scrub_admin_history(registration_ids: Iterable[int], scrubber: Scrubber) -> int:
    """The Django admin's own history of the registrations: its messages name added and changed participants."""
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Registration),
        object_id__in=[str(pk) for pk in registration_ids],
    )
    changed = []
    for entry in entries:
        try:
            message = json.dumps(scrubber.data(json.loads(entry.change_message)))
        except ValueError:  # a plain-text message (a staff override note)
            message = scrubber.text(entry.change_message)
        if message != entry.change_message:
            entry.change_message = message
            changed.append(entry)
    LogEntry.objects.bulk_update(changed, ["change_message"])
    return len(changed)


# --- Rows --------------------------------------------------------------------------------------------


def _known(participants: Iterable[Participant], registrations: Iterable[Registration]) -> tuple[set, set]:
    """The addresses and the other personal texts (names, phones, titles) the rows hold now."""
    emails, texts = set(), set()
    for p in participants:
        emails.add(p.email)
        texts |= {p.name, p.phone, p.title}
    for r in registrations:
        emails.add(r.contact_email)
        texts |= {r.contact_name, r.contact_phone}
    return {e for e in emails if not outbox.is_anonymised(e)}, texts - {anonymised_label()}


def _anonymise_participants(participants: Iterable[Participant]) -> int:
    rows = [p for p in participants if not outbox.is_anonymised(p.email)]
    label = anonymised_label()
    for p in rows:
        p.name, p.email, p.phone, p.title = label, outbox.anonymised_email("p", p.pk), "", ""
    Participant.objects.bulk_update(rows, ["name", "email", "phone", "title"])
    return len(rows)


def _anonymise_contacts(registrations: Iterable[Registration]) -> int:
    """The contact person's name, address and phone go; the link is changed so the old one opens nothing."""
    rows = [r for r in registrations if not outbox.is_anonymised(r.contact_email)]
    label = anonymised_label()
    for r in rows:
        r.contact_name, r.contact_email, r.contact_phone = label, outbox.anonymised_email("r", r.pk), ""
        r.token = new_token()
    Registration.objects.bulk_update(rows, ["contact_name", "contact_email", "contact_phone", "token"])
    return len(rows)


# --- A workshop past its retention period --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Anonymised:
    participants: int
    contacts: int
    deliveries: int
    ledger_entries: int
    log_entries: int

    @property
    def changed(self) -> bool:
        return any(dataclasses.astuple(self))


def workshop_anonymise(*, workshop: Workshop, actor: Actor, now: datetime.datetime | None = None) -> Anonymised:
    """Anonymise the personal data of a workshop that is over (the retention task, or staff running it early).

    Refused while the last session has not ended. Idempotent: rows already anonymised are left alone, and
    a second run changes nothing. Side effects: Participants and Registrations (contact person, link)
    anonymised; the deliveries about the workshop anonymised (pending ones not sent); its sent-mail ledger
    entries deleted; names and addresses taken out of its ActionLog entries and the admin's history;
    ``Workshop.anonymised_at`` set; a "workshop.anonymised" log entry with the counts.
    """
    now = now or timezone.now()
    if workshop.ends_at > now:
        raise RegistrationError("workshop_not_over", workshop=workshop.title, ends=format_datetime(workshop.ends_at))
    with transaction.atomic():
        workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
        registrations = list(Registration.objects.filter(workshop=workshop))
        participants = list(Participant.objects.filter(registration__workshop=workshop))
        emails, texts = _known(participants, registrations)
        registration_ids = [r.pk for r in registrations]
        scrubber = Scrubber(emails=emails, texts=texts, everyone=True)
        result = Anonymised(
            participants=_anonymise_participants(participants),
            contacts=_anonymise_contacts(registrations),
            deliveries=outbox.deliveries_anonymise(
                deliveries=outbox.workshop_deliveries(workshop_id=workshop.pk, registration_ids=registration_ids)
            ),
            ledger_entries=outbox.ledger_forget_workshop(
                workshop_id=workshop.pk, session_ids=workshop.sessions.values_list("pk", flat=True)
            ),
            log_entries=_scrub_action_log(ActionLog.objects.filter(workshop_id=workshop.pk), scrubber)
            + _scrub_admin_history(registration_ids, scrubber),
        )
        first = workshop.anonymised_at is None
        if first:
            workshop.anonymised_at = now
            workshop.save(update_fields=["anonymised_at"])
        if first or result.changed:
            log_action(
                actor=actor,
                action="workshop.anonymised",
                obj=workshop,
                workshop_id=workshop.pk,
                data={"counts": dataclasses.asdict(result)},
            )
    return result


def workshops_due_for_anonymisation(*, now: datetime.datetime | None = None) -> list[Workshop]:
    """Workshops whose retention period is over and that are not anonymised yet."""
    now = now or timezone.now()
    candidates = Workshop.objects.filter(anonymised_at__isnull=True).prefetch_related("sessions")
    return [workshop for workshop in candidates if workshop.anonymise_after <= now]


def workshops_anonymise_due(*, now: datetime.datetime | None = None) -> list[Workshop]:
    """The retention task: anonymise every workshop past its period, as the system. Returns them."""
    due = workshops_due_for_anonymisation(now=now)
    for workshop in due:
        workshop_anonymise(workshop=workshop, actor=SYSTEM, now=now)
    return due


# --- One person, on request -------------------------------------------------------------------


@dataclasses.dataclass
class Erased:
    removed: list[Registration] = dataclasses.field(default_factory=list)  # taken out of a coming delegation
    participants: int = 0  # anonymised where they are
    contacts: list[Registration] = dataclasses.field(default_factory=list)
    deliveries: int = 0
    ledger_entries: int = 0
    log_entries: int = 0
    # Delegations of coming workshops left without a reachable contact person: staff must give them one.
    without_contact: list[Registration] = dataclasses.field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.removed or self.participants or self.contacts or self.deliveries or self.ledger_entries)


def _is_coming(registration: Registration, now: datetime.datetime) -> bool:
    """Still in use: not cancelled, and its workshop not over."""
    return registration.status != Registration.Status.CANCELLED and registration.workshop.ends_at > now


def _remove_from_delegation(participant: Participant, *, actor: Actor, now: datetime.datetime) -> None:
    """Through registration_update, so the delegation rules hold and a freed seat goes to the waiting list."""
    registration = participant.registration
    others = [
        ParticipantData(id=p.pk, name=p.name, email=p.email, role=p.role, phone=p.phone, title=p.title)
        for p in registration.participants.exclude(pk=participant.pk)
    ]
    contact = ContactData(registration.contact_name, registration.contact_email, registration.contact_phone)
    registration_update(registration=registration, contact=contact, participants=others, actor=actor, now=now)


def person_erase(*, email: str, actor: Actor, override: bool = False, now: datetime.datetime | None = None) -> Erased:
    """Erase one person's personal data on their request, everywhere it is held.

    In a delegation to a workshop that is over (or a cancelled one) the person is anonymised in place: the
    statistics keep the seat and role. In a delegation to a coming workshop they are removed from it
    through ``registration_update``, so the delegation rules are checked: if the delegation would then
    break them (too few representatives, no culture-school leader), the erasure is refused with the
    reason, and nothing is changed, unless ``override``: then the person is anonymised in place and keeps
    the seat, and no email goes to them. As a contact person they are anonymised (the delegation's link
    changes); a coming delegation is then reported in ``without_contact``.
    Side effects: Participants removed or anonymised, Registrations' contact person anonymised, the
    person's deliveries anonymised and ledger entries deleted, their data taken out of ActionLog entries
    and the admin's history; a "person.erased" entry per delegation and one for the staff user, each with a
    keyed hash of the address (never the address).
    """
    now = now or timezone.now()
    address = email.strip()
    if not address or outbox.is_anonymised(address):
        return Erased()
    result = Erased()
    with transaction.atomic():
        participants = list(
            Participant.objects.filter(email__iexact=address).select_related(
                "registration__workshop", "registration__municipality"
            )
        )
        contacts = list(Registration.objects.filter(contact_email__iexact=address).select_related("workshop"))
        emails, texts = _known(participants, contacts)
        touched = {p.registration_id for p in participants} | {r.pk for r in contacts}
        in_place = []
        for participant in participants:
            registration = participant.registration
            if not _is_coming(registration, now):
                in_place.append(participant)
                continue
            try:
                _remove_from_delegation(participant, actor=actor, now=now)
            except RegistrationError as error:
                if not override:
                    raise RegistrationError(
                        "erase_breaks_delegation",
                        municipality=registration.municipality.name,
                        workshop=registration.workshop.title,
                        reasons=" ".join(error.messages),
                    ) from error
                in_place.append(participant)
                continue
            result.removed.append(registration)
        result.participants = _anonymise_participants(in_place)
        contacts = list(Registration.objects.filter(pk__in=[r.pk for r in contacts]).select_related("workshop"))
        _anonymise_contacts(contacts)
        result.contacts = contacts
        result.without_contact = [r for r in contacts if _is_coming(r, now)]
        result.deliveries = outbox.deliveries_anonymise(deliveries=outbox.deliveries_to(email=address))
        result.ledger_entries = outbox.ledger_forget_email(email=address)
        scrubber = Scrubber(emails=emails, texts=texts, everyone=False)
        logs = ActionLog.objects.filter(
            Q(data__icontains=address)
            | Q(content_type=ContentType.objects.get_for_model(Registration), object_id__in=touched)
        )
        result.log_entries = _scrub_action_log(logs, scrubber) + _scrub_admin_history(touched, scrubber)
        _log_person(actor, "person.erased", address, registrations=touched, data={"override": override})
    return result


def person_export_record(*, email: str, actor: Actor, registration_ids: Iterable[int]) -> None:
    """Record that staff exported what is held about an address (by its keyed hash, not the address).

    Side effects: a "person.exported" log entry per delegation the address appears in, and one for the
    staff user."""
    with transaction.atomic():
        _log_person(actor, "person.exported", email, registrations=registration_ids)


def _log_person(actor: Actor, action: str, email: str, *, registrations: Iterable[int], data=None) -> None:
    details = {"email_hash": email_digest(email), **(data or {})}
    for registration in Registration.objects.filter(pk__in=list(registrations)):
        log_action(actor=actor, action=action, obj=registration, workshop_id=registration.workshop_id, data=details)
    if actor.user is not None:
        # Also when the address is found nowhere: the request itself is on record.
        log_action(actor=actor, action=action, obj=actor.user, data=details)
