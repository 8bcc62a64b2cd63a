"""Many delegations at once, for tests of pages and exports at scale (rows written directly: setup only).

The rules are not under test here, so the services are bypassed: 350 delegations through
registration_create would cost the suite seconds for nothing.
"""

from django.utils import timezone

from registrations.models import Municipality, Participant, Registration, Role
from workshops.models import Workshop

ROLES = [Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.MUNICIPAL_SERVICE, Role.VOLUNTARY_SECTOR]


def bulk_delegations(workshop: Workshop, count: int, size: int = 3, skip: int = 0) -> list[Registration]:
    """`count` confirmed delegations of `size` in the workshop's first session, one per municipality
    (municipalities in number order, after the first `skip`)."""
    session = workshop.first_session
    municipalities = list(Municipality.objects.valid_on(workshop.event_date).order_by("number")[skip : skip + count])
    assert len(municipalities) == count, "not that many municipalities on the workshop's date"
    now = timezone.now()
    registrations = Registration.objects.bulk_create(
        Registration(
            workshop=workshop,
            municipality=m,
            contact_name=f"Kontakt {m.number}",
            contact_email=f"kontakt{m.number}@kommune.example",
            session=session,
            status=Registration.Status.CONFIRMED,
            created_at=now,
        )
        for m in municipalities
    )
    Participant.objects.bulk_create(
        Participant(
            registration=r,
            name=f"Person {r.municipality.number}-{i}",
            email=f"p{i}.{r.municipality.number}@kommune.example",
            role=ROLES[i % len(ROLES)],
            title="Leder",
        )
        for r in registrations
        for i in range(size)
    )
    return registrations
