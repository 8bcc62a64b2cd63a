"""The published workshop as the public pages read it, kept in each process for a few seconds.

The registration page reads the workshop, its sessions and its reflection questions on every request: in a
deadline rush that is three queries, and their model instances, per POST, for rows that change a few times
a year. Each process keeps them for ``WORKSHOP_CACHE_SECONDS`` (default 5; 0 turns the cache off) and
forgets them at once when this process saves or deletes a workshop, a session or a question (signals);
other processes (gunicorn workers, other machines) see a change within those seconds.

What decides a seat is read again under the session locks (``registrations.services.seats.lock_sessions``),
so a copy a few seconds old can show a page that is a moment out of date, never overbook a session.

The cached instances are shared by the requests of a process: read them, never change them.
"""

import threading
from time import monotonic

from cachetools import TTLCache
from django.conf import settings
from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save

from workshops.models import ReflectionQuestion, Session, Workshop

_lock = threading.Lock()
_cache: TTLCache | None = None


def published_workshops():
    """Published workshops with their sessions (in time order) and published questions (in order).

    The questions are on ``published_questions`` (what ``registrations.services.answers_questions`` returns).
    """
    return Workshop.objects.filter(is_published=True).prefetch_related(
        Prefetch("sessions", queryset=Session.objects.order_by("starts_at", "pk")),
        Prefetch(
            "questions",
            queryset=ReflectionQuestion.objects.published().order_by("position", "pk"),
            to_attr="published_questions",
        ),
    )


def published_workshop(slug: str) -> Workshop | None:
    """The published workshop with this slug (sessions and questions loaded), or None; cached, see above."""
    seconds = settings.WORKSHOP_CACHE_SECONDS
    if seconds <= 0:
        return published_workshops().filter(slug=slug).first()
    cache = _get_cache(seconds)
    with _lock:
        if slug in cache:
            return cache[slug]
    workshop = published_workshops().filter(slug=slug).first()
    with _lock:
        cache[slug] = workshop  # None too: an unknown slug is not looked up again on every request
    return workshop


def clear(**_signal_kwargs) -> None:
    """Forget every cached workshop (this process only)."""
    with _lock:
        if _cache is not None:
            _cache.clear()


def _get_cache(seconds: int) -> TTLCache:
    global _cache
    with _lock:
        if _cache is None or _cache.ttl != seconds:
            _cache = TTLCache(maxsize=64, ttl=seconds, timer=_now)
        return _cache


def _now() -> float:
    return monotonic()


def connect_signals() -> None:
    for model in (Workshop, Session, ReflectionQuestion):
        post_save.connect(clear, sender=model, dispatch_uid=f"workshops.cache.save.{model.__name__}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"workshops.cache.delete.{model.__name__}")
