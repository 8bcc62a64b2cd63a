"""The delegation's secret link: what opens it, what does not, and that its secret stays out of the logs."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from config.logging import mask_secrets
from registrations.models import Registration
from tests.conftest import register
from tests.notifications import conftest as mail_fixtures
from tests.notifications.conftest import text_body
from tests.registrations.conftest import page_text

# Fixtures of other test packages: a real SMTP server, Celery in-process (autouse), commits that run on_commit.
smtp_server, eager_celery, commit = mail_fixtures.smtp_server, mail_fixtures.eager_celery, mail_fixtures.commit


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registration(workshop, before_deadline) -> Registration:
    return register(workshop, "5401")  # Tromsø


def test_the_link_has_a_short_id_and_a_secret_of_at_least_128_bits(registration):
    assert len(registration.access_id) == 12
    # token_urlsafe: 6 bits a character.
    assert len(registration.token) * 6 >= 256
    other = register(registration.workshop, "0301")
    assert (other.access_id, other.token) != (registration.access_id, registration.token)


def test_the_link_opens_the_delegation_and_takes_the_secret_out_of_the_address(client, registration):
    response = client.get(f"/r/{registration.access_id}/{registration.token}/")

    assert response.status_code == 302
    assert response["Location"] == f"/registration/{registration.access_id}/"
    text = page_text(client.get(response["Location"]))
    assert "Tromsø" in text
    assert "Person 54011" in text


def test_the_link_opens_the_page_in_the_delegation_s_language_unless_the_visitor_chose_one(workshop, before_deadline):
    registration = register(workshop, "5401", language="nn")
    link = f"/r/{registration.access_id}/{registration.token}/"
    newcomer, chose_english = Client(), Client()
    chose_english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    first = newcomer.get(link)
    english = chose_english.get(link)

    assert first.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nn"
    assert "Påmeldinga di" in page_text(newcomer.get(first["Location"]))
    assert settings.LANGUAGE_COOKIE_NAME not in english.cookies  # a choice made is kept
    assert "Your registration" in page_text(chose_english.get(english["Location"]))


@pytest.mark.parametrize("wrong", ["secret", "token-with-one-letter-off", ""])
def test_a_wrong_secret_opens_nothing(client, registration, wrong):
    secret = registration.token[:-1] + ("A" if registration.token[-1] != "A" else "B") if wrong == "secret" else wrong
    response = client.get(f"/r/{registration.access_id}/{secret}x/")

    assert response.status_code == 404
    page = client.get(f"/registration/{registration.access_id}/")
    assert page.status_code == 403
    assert "Tromsø" not in page_text(page)


def test_an_unknown_id_answers_like_a_wrong_secret(client, registration):
    assert client.get(f"/r/AAAAAAAAAAAA/{registration.token}/").status_code == 404


def test_without_the_link_the_page_says_how_to_open_it(client, registration):
    response = client.get(f"/registration/{registration.access_id}/")

    assert response.status_code == 403
    assert "Åpne lenken fra e-posten" in page_text(response)
    assert "Person 54011" not in page_text(response)


def test_the_masking_keeps_the_id_and_hides_the_secret():
    line = '"GET /r/AbCd-123_xyz/s3cr3t-Value_0123456789abcdef/ HTTP/1.1" 302 0'
    assert mask_secrets(line) == '"GET /r/AbCd-123_xyz/[secret]/ HTTP/1.1" 302 0'
    assert mask_secrets("Not Found: /r/AbCd/zzz/") == "Not Found: /r/AbCd/[secret]/"
    assert mask_secrets("GET /registration/AbCd/ HTTP/1.1") == "GET /registration/AbCd/ HTTP/1.1"


def test_gunicorn_as_configured_for_production_logs_no_secret(tmp_path):
    """The production server (config/gunicorn.conf.py, as docker-compose.yml runs it) on a free port."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "VAR_DIR")},
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "VAR_DIR": str(tmp_path / "var"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, timeout=60)
    log = tmp_path / "gunicorn.log"
    secret = "Zq9-secretpart_ThatMustNotBeLogged0123456"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/r/SomeId123456/{secret}/", timeout=2)
                except urllib.error.HTTPError as answered:
                    assert answered.code == 404
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(timeout=10)
    logged = log.read_text(encoding="utf-8")
    assert re.search(r'"GET /r/SomeId123456/\[secret\]/ HTTP/1\.1" 404', logged), logged[-2000:]
    assert "Not Found: /r/SomeId123456/[secret]/" in logged  # Django's own warning, masked too
    assert secret not in logged


def test_the_lost_link_and_dispute_flows_put_the_secret_in_no_page_address_or_log(
    registration, smtp_server, commit, caplog
):
    """The emails carry the link; the pages, their redirects and every log line (sending included) do not."""
    import logging

    from registrations.models import Dispute
    from registrations.services import dispute_transfer
    from tests.conftest import STAFF, municipality
    from tests.registrations.conftest import started_long_ago

    caplog.set_level(logging.DEBUG)
    tromso = municipality("5401")
    bot_checks = {"started": started_long_ago(), "website": ""}
    client = Client()
    with commit():
        responses = [
            client.get("/lost-link/kulturskole-3-0/"),
            client.post("/lost-link/kulturskole-3-0/", {"municipality": tromso.pk, **bot_checks}),
            client.get(f"/dispute/kulturskole-3-0/{tromso.pk}/"),
            client.post(
                f"/dispute/kulturskole-3-0/{tromso.pk}/",
                {"name": "Nina Ny", "email": "nina@tromso.example", "note": "", **bot_checks},
            ),
        ]
    old_token = registration.token
    with commit():
        dispute_transfer(dispute=Dispute.objects.get(), actor=STAFF)
    registration.refresh_from_db()

    assert old_token in "".join(text_body(m) for m in smtp_server.to("kari@kommune.example"))  # the email has it
    assert registration.token in text_body(smtp_server.to("nina@tromso.example")[0])
    for response in responses:
        assert response.status_code == 200
        seen = response.content.decode() + str(response.headers) + response.request["PATH_INFO"]
        assert old_token not in seen
        assert registration.access_id not in seen
    assert caplog.records  # the flow did log (celery tasks, SMTP)
    assert old_token not in caplog.text
    assert registration.token not in caplog.text
