"""/healthz: what a load balancer asks before sending traffic to a web process."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_it_says_ok_when_the_database_is_migrated_and_the_broker_answers(client, db):
    response = client.get("/healthz")

    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["database"] == "ok"
    assert body["broker"] == "ok"  # the filesystem broker (SQLite runs) or Redis (CI)
    assert set(body) == {"database", "broker", "status"}  # nothing about people, counts or versions
    assert "no-store" in response["Cache-Control"]


def test_a_broker_that_does_not_answer_is_degraded_not_down(client, db, broker):
    broker("redis://127.0.0.1:1/0")  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "broker": "unreachable", "status": "degraded"}


def test_it_reads_no_table_of_ours(client, db):
    with CaptureQueriesContext(connection) as queries:
        client.get("/healthz")
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("registrations_", "notifications_", "workshops_", "auth_user"):
        assert table not in tables


def test_production_does_not_redirect_it_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
