"""Helpers for the self-service tests: a client holding a delegation's link, and the change form's data."""

from django.test import Client

from registrations.models import Registration
from registrations.participant_rows import FIELDS


def opened(client: Client, registration: Registration) -> Client:
    """The client after following the delegation's link from the email (the session holds the delegation)."""
    response = client.get(f"/r/{registration.access_id}/{registration.token}/")
    assert response.status_code == 302
    return client


def page_url(registration: Registration, action: str = "") -> str:
    return f"/registration/{registration.access_id}/" + (f"{action}/" if action else "")


def current_rows(registration: Registration) -> list[dict]:
    """The delegation's rows as the change form shows them: id and fields of each participant."""
    return [
        {"id": str(p.pk), **{name: getattr(p, name) for name in FIELDS}}
        for p in registration.participants.order_by("pk")
    ]


def change_data(registration: Registration, rows: list[dict] | None = None, **fields) -> dict[str, str]:
    """The POST body of the change form: the contact person as it is, the rows given (current ones by default).

    A row is a dict of fields, with "id" for an existing participant and "DELETE": "on" to remove it.
    """
    rows = current_rows(registration) if rows is None else rows
    data = {
        "contact_name": registration.contact_name,
        "contact_email": registration.contact_email,
        "contact_phone": registration.contact_phone,
        "participants-TOTAL_FORMS": str(len(rows)),
        "participants-INITIAL_FORMS": str(registration.participants.count()),
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "12",
    }
    for index, row in enumerate(rows):
        data.update({f"participants-{index}-{key}": str(value) for key, value in row.items()})
    data.update({key: str(value) for key, value in fields.items()})
    return data


def new_row(name: str, email: str, role: str, title: str = "Rådgiver") -> dict:
    return {"id": "", "name": name, "email": email, "role": role, "title": title, "phone": ""}
