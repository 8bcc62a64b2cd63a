"""Rate limits on the public form (django-ratelimit), counted per client address in the cache."""

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage


def registration_wait_seconds(request) -> int | None:
    """Counts this POST of the registration form; the seconds the client must wait if it sent too many.

    None when it may go on. The limit is RATELIMIT_REGISTRATION per address (config.client_ip), every POST
    counted, "Add participant" included. Generous on purpose: a municipal network sends all its people
    from one address, and the deadline brings them at once.
    """
    usage = get_usage(
        request,
        group="registrations.register",
        key="ip",
        rate=settings.RATELIMIT_REGISTRATION,
        method="POST",
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    # The counting window still holds in its last second (time_left 0): the client may go on one second later.
    return max(usage["time_left"], 0) + 1


def answers_wait_seconds(request) -> int | None:
    """Counts this POST of a delegation's answers page (its own counter, the same rate as the form);
    the seconds to wait when the client sent too many, else None."""
    usage = get_usage(
        request,
        group="registrations.answers",
        key="ip",
        rate=settings.RATELIMIT_REGISTRATION,
        method="POST",
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(usage["time_left"], 0) + 1


def too_many_requests(request, wait_seconds: int):
    """The 429 page, in the site's layout and the visitor's language, saying when to try again."""
    response = render(request, "429.html", {"wait_seconds": wait_seconds}, status=429)
    response["Retry-After"] = str(wait_seconds)
    return response
