"""Django's database sessions, one query lighter when a session is created.

Django's ``SessionStore`` picks a new key, asks the database whether that key exists, and then inserts the
row with ``must_create``, which fails on an existing key and makes ``create()`` pick another. The question
before the insert is redundant with that; this store skips it. (A visitor's first session is created on the
registration POST: the grant of access to the receipt, registrations/access.py.) Everything else, including
where sessions live (the database, shared by every web process), is Django's.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils.crypto import get_random_string


class SessionStore(DatabaseSessionStore):
    def _get_new_session_key(self) -> str:
        # 32 characters of 36: a collision is left to the primary key, and create() tries another key.
        return get_random_string(32, VALID_KEY_CHARS)
