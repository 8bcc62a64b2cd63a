"""The deadline rush over HTTP, as browsers behind a TLS-terminating proxy would make it.

Used by ``bench/registration_throughput.py`` (one server) and ``drills/two_machines.py`` (two servers).

1. ``form_sessions``: every municipality offered on the registration page loads the form once (not
   timed): a CSRF cookie, the token and the signed ``started`` field, as a browser has them. A share of
   the municipalities (``duplicate_share``) loads it twice, in two browsers: two people of one
   municipality who both register it. With several servers the loads go round-robin over them, and the
   two submissions of one municipality go to different servers.
2. ``rush``: every prepared form is posted (a delegation of three) by ``clients`` concurrent clients;
   the two submissions of one municipality wait for each other (a barrier) and go at the same moment.

Each request says ``X-Forwarded-Proto: https`` (and an https ``Origin``/``Referer``), as the proxy and the
browser would in production: the settings' ``SECURE_PROXY_SSL_HEADER`` makes Django treat it as HTTPS, so
Secure cookies, the HTTPS redirect and the strict CSRF origin check are on, as in production. Each
browser also has its own client address in ``X-Forwarded-For`` (the server runs with TRUSTED_PROXY_COUNT=1),
so the per-address rate limit counts as it would for 357 municipalities' offices.
"""

import dataclasses
import http.client
import random
import re
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_INPUT = re.compile(r'name="started" value="([^"]+)"')
MUNICIPALITY_OPTION = re.compile(r'<option value="(\d+)"[^>]*>')
# The settings' default REGISTRATION_MIN_FILL_SECONDS (3) and a little: a form posted sooner is refused.
MIN_FILL_SECONDS = 3.5
ROLES = ("culture_school_leader", "municipal_leader", "municipal_service")


@dataclasses.dataclass(frozen=True)
class Server:
    host: str
    port: int

    @property
    def origin(self) -> str:
        return f"https://{self.host}:{self.port}"


@dataclasses.dataclass
class Form:
    """One browser's loaded registration form, ready to post."""

    server: Server
    path: str
    municipality: str
    cookie: str
    token: str
    started: str
    address: str
    partner: threading.Barrier | None = None


@dataclasses.dataclass
class Outcome:
    server: Server
    municipality: str
    status: int
    seconds: float
    body: str
    headers: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def request(server: Server, method: str, path: str, body: str | None = None, headers: dict | None = None):
    """One request on its own connection; returns (status, headers, body)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=60)
    try:
        all_headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


def csrf_cookie(headers) -> str:
    return next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie" and v.startswith("csrftoken="))


def form_sessions(
    servers: list[Server], path: str, *, duplicate_share: float = 0.2, seed: int = 2021, limit: int | None = None
) -> list[Form]:
    """Load the form once per municipality (twice for ``duplicate_share`` of them), round-robin over servers.

    ``limit``: only the first so many municipalities offered (a smaller rush).
    """
    status, _headers, page = request(servers[0], "GET", path)
    if status != 200:
        raise SystemExit(f"the registration page answered {status}")
    municipalities = MUNICIPALITY_OPTION.findall(page)[:limit]
    twice = set(random.Random(seed).sample(municipalities, round(len(municipalities) * duplicate_share)))

    def load(server: Server, municipality: str, partner: threading.Barrier | None, address: str) -> Form:
        status, headers, page = request(server, "GET", path)
        if status != 200:
            raise SystemExit(f"GET {path} on {server.port} answered {status}")
        return Form(
            server=server,
            path=path,
            municipality=municipality,
            cookie=csrf_cookie(headers),
            token=CSRF_INPUT.search(page).group(1),
            started=STARTED_INPUT.search(page).group(1),
            address=address,
            partner=partner,
        )

    loads = []
    for i, municipality in enumerate(municipalities):
        server = servers[i % len(servers)]
        if municipality in twice:
            barrier = threading.Barrier(2, timeout=60)
            other = servers[(i + 1) % len(servers)]
            # Adjacent in the list: a pool takes them one after the other, so neither waits long.
            loads += [(server, municipality, barrier, _address(i, 1)), (other, municipality, barrier, _address(i, 2))]
        else:
            loads.append((server, municipality, None, _address(i, 1)))
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda args: load(*args), loads))


def _address(i: int, browser: int) -> str:
    """Each browser its own client address (the rate limit counts per address)."""
    return f"10.{browser}.{i // 250}.{i % 250 + 1}"


def delegation_fields(form: Form) -> dict:
    """The delegation of three a municipality posts: leader, other leader, another municipal service."""
    pk = form.municipality
    fields = {
        "csrfmiddlewaretoken": form.token,
        "started": form.started,
        "municipality": pk,
        "contact_name": "Kari Kontakt",
        "contact_email": f"kontakt{pk}@kommune.example",
        "participants-TOTAL_FORMS": str(len(ROLES)),
        "participants-INITIAL_FORMS": "0",
    }
    for i, role in enumerate(ROLES):
        fields |= {
            f"participants-{i}-name": f"Person {pk}-{i}",
            f"participants-{i}-email": f"p{pk}-{i}@kommune.example",
            f"participants-{i}-role": role,
            f"participants-{i}-title": "Leder",
        }
    return fields


def post(form: Form) -> Outcome:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": form.cookie,
        "Origin": form.server.origin,
        "Referer": f"{form.server.origin}{form.path}",
        # The proxy appends the client's address (TRUSTED_PROXY_COUNT=1 on the server).
        "X-Forwarded-For": form.address,
    }
    body = urllib.parse.urlencode(delegation_fields(form))
    if form.partner is not None:
        form.partner.wait()  # both submissions of this municipality leave together
    start = time.perf_counter()
    status, response_headers, page = request(form.server, "POST", form.path, body, headers)
    return Outcome(form.server, form.municipality, status, time.perf_counter() - start, page, response_headers)


@dataclasses.dataclass
class RushResult:
    outcomes: list[Outcome]
    seconds: float

    @property
    def rps(self) -> float:
        return len(self.outcomes) / self.seconds

    def percentile(self, share: float) -> float:
        durations = sorted(o.seconds for o in self.outcomes)
        return durations[min(len(durations) - 1, int(len(durations) * share))]

    def count(self, status: int) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def errors(self) -> list[Outcome]:
        """Anything but a redirect to the receipt (302) or the form shown again with its message (200)."""
        return [o for o in self.outcomes if o.status not in (200, 302)]

    def per_server(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for o in self.outcomes:
            counts[o.server.port] = counts.get(o.server.port, 0) + 1
        return counts


def rush(forms: list[Form], clients: int) -> RushResult:
    if clients < 2:  # one client cannot send two at once: the pairs go one after the other
        forms = [dataclasses.replace(form, partner=None) for form in forms]
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(post, forms))
    return RushResult(outcomes, time.perf_counter() - start)
