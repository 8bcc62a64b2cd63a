"""The delegation's secret link, and the access it gives in the visitor's session.

The link is /registration/<access_id>/<token>/: ``access_id`` finds the row, the token is compared with
``hmac.compare_digest`` (a wrong token and an unknown id cost the same and answer the same 404). Opening it
grants the delegation in the visitor's session and redirects to /registration/<access_id>/, so the secret
leaves the address bar (and the Referer of later requests) after one request; the access logs mask it.
"""

import hmac

from django.http import HttpRequest

from registrations.models import Registration

SESSION_KEY = "registration_access"
# A visitor (a staff member helping several municipalities, say) may hold a few delegations at once.
MAX_GRANTS = 10
# Compared against when the id is unknown, so that case takes as long as a wrong secret.
_DUMMY = "x" * 43


def registration_for_link(*, access_id: str, secret: str, queryset=None) -> Registration | None:
    """The registration the link opens, or None when the id is unknown or the secret wrong."""
    queryset = Registration.objects.all() if queryset is None else queryset
    registration = queryset.filter(access_id=access_id).first()
    expected = registration.token if registration is not None else _DUMMY
    if not hmac.compare_digest(expected.encode(), secret.encode()) or registration is None:
        return None
    return registration


def grant(request: HttpRequest, registration: Registration) -> None:
    """Remember in the session that this visitor opened the delegation's link (or just registered it)."""
    granted = [a for a in request.session.get(SESSION_KEY, []) if a != registration.access_id]
    request.session[SESSION_KEY] = [*granted, registration.access_id][-MAX_GRANTS:]


def is_granted(request: HttpRequest, access_id: str) -> bool:
    return access_id in request.session.get(SESSION_KEY, [])


def revoke_all(request: HttpRequest, access_id: str) -> None:
    """Forget the delegation in this session (after its link was replaced, for instance)."""
    request.session[SESSION_KEY] = [a for a in request.session.get(SESSION_KEY, []) if a != access_id]
