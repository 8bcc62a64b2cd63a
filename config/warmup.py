"""Work a web process does once, as it starts, instead of in its first registration.

A new gunicorn worker's first registration POST cost about 120 ms of CPU against 9 ms for the next ones
(measured with bench/registration_profile.py's set-up, docs/performance.md): Django compiles the email
validator's domain pattern (a large Unicode class) on first use, Celery finalizes its app and loads its
result backend on the first task sent, and the Redis client and the broker's transport are imported by the
first rate-limit count and the first message. Each worker pays that once either way; done here, it is paid
before the worker accepts a connection rather than by the first municipality (and inside a benchmark's
timed window).

Nothing here opens a connection: a worker starts as before while Redis or PostgreSQL is away.
"""

import importlib

from django.conf import settings
from django.core import validators
from django.utils.module_loading import import_string


def web_process_warm() -> None:
    """Compile, import and build what the first requests would (no network, no database)."""
    from config.celery import app

    validators.validate_email("warm.up@kulturskoleradet.no")  # compiles the patterns (lazy in Django)
    app.finalize(auto=True)  # binds every task: done by the first apply_async otherwise
    app.backend  # noqa: B018 - loads the (disabled) result backend class through the entry points
    app.amqp.producer_pool  # noqa: B018 - the producer pool; its connections open lazily, on first use
    app.amqp.send_task_message  # noqa: B018 - the message sender Celery builds for the first task sent
    app.connection_for_write().transport  # noqa: B018 - imports the broker's transport (kombu.transport.redis)
    import_string(settings.RATELIMIT_IP_META_KEY)  # the rate limit's client address (imported by name)
    "kulturskoleradet.no".encode("idna")  # the codec is imported on first use (email addresses' domains)
    for _alias, options in settings.CACHES.items():
        if options["BACKEND"].endswith(".RedisCache"):
            importlib.import_module("redis")  # what RedisCacheClient imports when the cache is first used
            break
