"""README.md's production steps, followed as written: DEBUG=0, `manage.py migrate`, `manage.py collectstatic
--noinput`, gunicorn with config/gunicorn.conf.py, on a database of its own and Redis. drills/production_path.sh
does the same on a fresh clone, with the Celery worker and beat too."""

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The environment README.md lists, with a new PostgreSQL database (dropped afterwards) and a VAR_DIR."""
    server = urlparse(os.environ["DATABASE_URL"])
    name = f"{server.path.lstrip('/')}_prod_{os.getpid()}"
    admin = urlunparse(server._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    port = free_port()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CACHE_URL", "DJANGO_"))},
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"https://127.0.0.1:{port}",
        "CSRF_TRUSTED_ORIGINS": f"https://127.0.0.1:{port}",
        "DATABASE_URL": urlunparse(server._replace(path="/" + name)),
        "CELERY_BROKER_URL": os.environ["REDIS_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": "smtp://127.0.0.1:1025",
        "VAR_DIR": str(tmp_path_factory.mktemp("var")),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "LOG_LEVEL": "WARNING",
    }
    manage(environment, "migrate", "--noinput")
    yield environment
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def manage(environment: dict, *command: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


class Server:
    def __init__(self, environment: dict):
        self.base = "http://" + environment["GUNICORN_BIND"]
        self.process = subprocess.Popen(
            [BIN / "gunicorn", "config.wsgi", "-c", "config/gunicorn.conf.py", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                self.get("/healthz")
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError("gunicorn did not answer:\n" + self.process.stderr.read()) from None
                time.sleep(0.2)

    def get(self, path: str) -> tuple[int, str, dict]:
        """Status, body and headers, as behind the TLS proxy README.md puts in front (X-Forwarded-Proto)."""
        request = urllib.request.Request(self.base + path, headers={"X-Forwarded-Proto": "https"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode(errors="replace"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def test_error_pages_render_before_static_files_are_collected(production, tmp_path):
    # A VAR_DIR of its own: no collectstatic has run there, whatever order the tests run in.
    server = Server({**production, "VAR_DIR": str(tmp_path)})
    try:
        status, body, _ = server.get("/no-such-page/")
    finally:
        server.stop()

    assert status == 404
    assert '<html lang="nb"' in body
    assert "Fant ikke siden" in body


def test_the_site_serves_after_the_readme_steps(production):
    manage(production, "collectstatic", "--noinput")
    server = Server(production)
    try:
        health = server.get("/healthz")
        landing = server.get("/")
        stylesheets = re.findall(r'<link[^>]+href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', landing[1])
        stylesheet = server.get(stylesheets[0]) if stylesheets else None
        login = server.get("/admin/login/")
        missing = server.get("/no-such-page/")
    finally:
        server.stop()

    assert health[0] == 200
    assert json.loads(health[1]) == {"database": "ok", "broker": "ok", "status": "ok"}
    assert landing[0] == 200
    # Styles under a hashed name (CompressedManifestStaticFilesStorage), served by whitenoise for a year.
    assert stylesheets, "no hashed stylesheet on the landing page"
    assert stylesheet[0] == 200
    assert stylesheet[2]["Content-Type"].startswith("text/css")
    assert "immutable" in stylesheet[2]["Cache-Control"]
    assert login[0] == 200
    assert 'name="password"' in login[1]
    assert (missing[0], "Fant ikke siden" in missing[1]) == (404, True)
