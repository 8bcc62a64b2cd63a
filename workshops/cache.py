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
from collections.abc import Callable, Hashable
from time import monotonic
from typing import Any

from cachetools import TTLCache
from django.conf import settings
from django.db.models import Prefetch
from django.db.models.signals import post_delete, post_save

from workshops.models import ReflectionQuestion, Session, Workshop


class ProcessCache:
    """Values kept in this process for ``seconds()`` (read on every use: a setting; 0 or less keeps nothing).

    A ``cachetools.TTLCache`` behind a lock (a process may serve from threads). A loaded value of None is kept
    too. Used for the published workshop here, the municipality lists (registrations.selectors) and the
    catch-up's first due mailing (notifications.selectors); each says what a stale value can cost.
    """

    def __init__(self, seconds: Callable[[], int], *, maxsize: int = 64):
        self._seconds, self._maxsize = seconds, maxsize
        self._lock = threading.Lock()
        self._cache: TTLCache | None = None

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        seconds = self._seconds()
        if seconds <= 0:
            return load()
        with self._lock:
            if self._cache is None or self._cache.ttl != seconds:
                self._cache = TTLCache(maxsize=self._maxsize, ttl=seconds, timer=_now)
            if key in self._cache:
                return self._cache[key]
        value = load()
        with self._lock:
            self._cache[key] = value
        return value

    def clear(self) -> None:
        with self._lock:
            if self._cache is not None:
                self._cache.clear()


def _now() -> float:
    return monotonic()  # looked up on each call, so a test can move this clock


_workshops = ProcessCache(lambda: settings.WORKSHOP_CACHE_SECONDS)


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
    """The published workshop with this slug (sessions and questions loaded), or None; cached, see above.

    None is kept too: an unknown slug is not looked up again on every request."""
    return _workshops.get(slug, lambda: published_workshops().filter(slug=slug).first())


def clear(**_signal_kwargs) -> None:
    """Forget every cached workshop (this process only)."""
    _workshops.clear()


def connect_signals() -> None:
    for model in (Workshop, Session, ReflectionQuestion):
        post_save.connect(clear, sender=model, dispatch_uid=f"workshops.cache.save.{model.__name__}")
        post_delete.connect(clear, sender=model, dispatch_uid=f"workshops.cache.delete.{model.__name__}")
