"""Rate limits on the public form (django-ratelimit), counted per client address in the cache."""

import logging

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)


def registration_wait_seconds(request) -> int | None:
    """Counts this POST of the registration form; the seconds the client must wait if it sent too many.

    None when it may go on. The limit is RATELIMIT_REGISTRATION per address (config.client_ip), every POST
    counted, "Add participant" included. Generous on purpose: a municipal network sends all its people
    from one address, and the deadline brings them at once.
    """
    return _count(request, group="registrations.register", key="ip", rate=settings.RATELIMIT_REGISTRATION)


def public_request_wait_seconds(request, *, group: str, municipality_key: str = "") -> int | None:
    """Counts a POST of the lost-link or dispute page; the seconds to wait if there were too many. None: go on.

    Without `municipality_key`: RATELIMIT_LOST_LINK per client address (every POST). With it (e.g.
    "kulturskole-3-0:301", counted once the form is valid): RATELIMIT_LOST_LINK_PER_MUNICIPALITY for that
    municipality from any address, so nobody floods one contact person's inbox from many addresses. Both are
    counted whether or not the municipality is registered: a refusal tells nothing about that.
    """
    if municipality_key:
        group, key, rate = (
            f"{group}.municipality",
            _fixed(municipality_key),
            settings.RATELIMIT_LOST_LINK_PER_MUNICIPALITY,
        )
    else:
        group, key, rate = f"{group}.ip", "ip", settings.RATELIMIT_LOST_LINK
    return _count(request, group=group, key=key, rate=rate)


def answers_wait_seconds(request) -> int | None:
    """Counts this POST of a delegation's answers page (its own counter, the same rate as the form);
    the seconds to wait when the client sent too many, else None."""
    return _count(request, group="registrations.answers", key="ip", rate=settings.RATELIMIT_REGISTRATION)


def _count(request, *, group: str, key, rate: str) -> int | None:
    """Count this POST in `group`; the seconds to wait when over `rate`, else None."""
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, method="POST", increment=True)
    except Exception:  # the cache (Redis) is down: redis, socket and backend errors of every kind
        # Fail open, as RATELIMIT_FAIL_OPEN says for an empty counter: a registration must not fail because
        # the counters cannot be reached (the failure drill drills/redis_outage.py checks this).
        logger.warning("Rate limit %s not counted: the cache is unavailable", group, exc_info=True)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    # The counting window still holds in its last second (time_left 0): the client may go on one second later.
    return max(usage["time_left"], 0) + 1


def _fixed(value: str):
    return lambda _group, _request: value


def too_many_requests(request, wait_seconds: int):
    """The 429 page, in the site's layout and the visitor's language, saying when to try again."""
    response = render(request, "429.html", {"wait_seconds": wait_seconds}, status=429)
    response["Retry-After"] = str(wait_seconds)
    return response
