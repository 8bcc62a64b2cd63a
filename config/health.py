"""/healthz for load balancers and container health checks: is this process able to serve?

Checks what a request needs and nothing more: the database answers, every migration is applied (a web
process started before `migrate` finished must not take traffic), and the Celery broker accepts a
connection (registrations still succeed without it, but the confirmations would wait for the sweep, so the
check says "degraded" with 200 rather than failing). No personal data, no counts, no versions.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

BROKER_TIMEOUT_SECONDS = 2


def _database() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return "ok" if not plan else "migrations pending"


def _broker() -> str:
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return "ok"


@never_cache
@require_GET
def healthz(request):
    checks = {}
    try:
        checks["database"] = _database()
    except Exception:  # any failure to reach or read the database means: do not send traffic here
        checks["database"] = "unreachable"
    try:
        checks["broker"] = _broker()
    except Exception:  # kombu/redis errors of every kind: the outbox keeps the mail until it is back
        checks["broker"] = "unreachable"
    healthy = checks["database"] == "ok"
    checks["status"] = ("ok" if checks["broker"] == "ok" else "degraded") if healthy else "unavailable"
    return JsonResponse(checks, status=200 if healthy else 503)
