"""The client's address, for the rate limits and the admin's lock-out (django-ratelimit and django-axes)."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The address the request came from.

    Without trusted proxies (TRUSTED_PROXY_COUNT=0) it is the connection's address: X-Forwarded-For is
    written by the client and could name anyone. Behind N trusted proxies, each appending the address it
    was reached from, the client is the N-th address from the right; the addresses to its left are the
    client's own claims and are ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
