"""`make run` with any PORT: the emails it writes link to the server that sent them.

honcho gives each process of Procfile.dev its own PORT (web PORT, worker +100, beat +200), so no process but
the web server could derive the site's address from it; the Makefile hands SITE_URL to all of them instead.
"""

import http.cookiejar
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from email import message_from_binary_file, policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from honcho.environ import expand_processes, parse_procfile

from registrations.models import Role

ROOT = Path(__file__).resolve().parent.parent
DEMO_PAGE = "/workshops/kulturskole-3-0-demo/"
# Variables of the developer's or CI's environment that would point the server elsewhere.
FOREIGN = ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "SITE_URL", "PORT", "VAR_DIR", "MAKEFLAGS", "MFLAGS")


def clean_environment(**variables: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if k not in FOREIGN}, **variables}


def honcho_command(**variables: str) -> tuple[dict[str, str], list[str]]:
    """The variables `make run` sets on the honcho command line, and the command itself (make -n: dry run)."""
    output = subprocess.run(
        ["make", "-n", "run", *(f"{k}={v}" for k, v in variables.items())],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    [line] = [line for line in output.splitlines() if "honcho start" in line]
    words = shlex.split(line)
    assignments = [word for word in words if re.match(r"^[A-Z_]+=", word)]
    return dict(word.split("=", 1) for word in assignments), words[len(assignments) :]


def test_make_run_gives_every_process_the_site_url_of_the_web_servers_port():
    assigned, command = honcho_command(PORT="8101")

    assert assigned == {"PORT": "8101", "SITE_URL": "http://127.0.0.1:8101"}
    assert command[-3:] == ["start", "-f", "Procfile.dev"]
    # honcho starts the web server on that PORT, and the others on ports of their own.
    procfile = parse_procfile((ROOT / "Procfile.dev").read_text(encoding="utf-8"))
    ports = {p.name.split(".")[0]: p.env["PORT"] for p in expand_processes(procfile.processes, port=8101)}
    assert ports == {"web": "8101", "worker": "8201", "beat": "8301"}
    assert procfile.processes["web"].endswith("runserver 127.0.0.1:$PORT")


def test_an_explicit_site_url_wins_over_the_port():
    assigned, _command = honcho_command(PORT="8101", SITE_URL="https://verksted.example.no")

    assert assigned["SITE_URL"] == "https://verksted.example.no"


# --- The whole way: a server as `make run` starts it, a registration over HTTP, the .eml, its link -------------


class _Form(HTMLParser):
    """The registration form's inputs (hidden ones with their values) and the municipalities offered."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.inputs: dict[str, str] = {}
        self.municipalities: dict[str, str] = {}
        self._option: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs.get("value") or ""
        elif tag == "option":
            self._option = attrs.get("value")

    def handle_data(self, data):
        if self._option and data.strip():
            self.municipalities[data.strip()] = self._option
            self._option = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=60)


@pytest.fixture
def server(tmp_path):
    """runserver on a free port with the environment Procfile.dev gives the web process under `make run`:
    SQLite and var/ in a temporary folder, tasks run in the web process (no worker needed to send)."""
    port = free_port()
    env = clean_environment(
        SITE_URL=f"http://127.0.0.1:{port}",
        VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_TASK_ALWAYS_EAGER="1",
        DEBUG="1",
        # This client fills the form in milliseconds; the bot check's minimum fill time is tested elsewhere.
        REGISTRATION_MIN_FILL_SECONDS="0",
    )
    manage("migrate", "--noinput", env=env)
    manage("seed_workshop", "--demo", env=env)
    log = tmp_path / "server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_it_answers(env["SITE_URL"])
            yield env["SITE_URL"], tmp_path / "var" / "sent-mail", log
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_it_answers(url: str) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_the_emailed_link_opens_the_delegation_on_the_server_that_sent_it(server):
    site_url, sent_mail, log = server
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(site_url + DEMO_PAGE, timeout=10) as response:
        form = _Form()
        form.feed(response.read().decode())
    data = {
        **form.inputs,  # the CSRF token and the formset's management form
        "municipality": form.municipalities["Tromsø"],
        "contact_name": "Kari Kontakt",
        "contact_email": "kari@kommune.example",
    }
    people = [("Ola Kulturskole", Role.CULTURE_SCHOOL_LEADER), ("Siri Kommunalsjef", Role.MUNICIPAL_LEADER)]
    for index, (name, role) in enumerate(people):
        first = name.split()[0].lower()
        data |= {f"participants-{index}-{key}": value for key, value in [("name", name), ("role", role)]}
        data |= {f"participants-{index}-email": f"{first}@kommune.example", f"participants-{index}-title": "Leder"}
    with browser.open(site_url + DEMO_PAGE, urllib.parse.urlencode(data).encode(), timeout=10) as response:
        assert "/receipt/" in response.url, "the registration was refused"

    messages = []
    for path in sorted(sent_mail.glob("*.eml")):
        with path.open("rb") as file:
            messages.append(message_from_binary_file(file, policy=policy.default))
    [to_contact] = [m for m in messages if m["To"] == "kari@kommune.example"]
    [link] = re.findall(r"https?://\S+/r/\S+/", to_contact.get_body(("plain",)).get_content())
    assert link.startswith(site_url + "/")

    # The contact person opens it in a browser of their own: no cookies, nothing but the link.
    their_browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with their_browser.open(link, timeout=10) as response:
        page = response.read().decode()
        assert "/r/" not in response.url, "the secret stays in the address bar"
    assert "Tromsø" in page
    assert "Ola Kulturskole" in page
    assert "Siri Kommunalsjef" in page

    # The server's request log names the page but not the secret.
    secret = link.rstrip("/").rsplit("/", 1)[1]
    logged = log.read_text(encoding="utf-8")
    assert link.removeprefix(site_url).replace(secret, "[secret]") in logged
    assert secret not in logged
