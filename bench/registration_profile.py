"""Where a registration POST spends its time: cProfile over N POSTs in-process, and the queries of one.

Run after bench/registration_throughput.py (it uses that database, ``workshops_bench``, already migrated and
seeded); the registrations are removed first, so every POST registers a new delegation of three.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/workshops_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/registration_profile.py [-n 200] [--sort tottime] [--queries]

Prints milliseconds (wall and CPU) per POST, the query count of one POST (and the queries with --queries),
and the profile's top functions.
"""

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rush  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("TRUSTED_PROXY_COUNT", "1")
os.environ.setdefault("REGISTRATION_MIN_FILL_SECONDS", "0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=200, help="POSTs to profile (default 200)")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (default cumulative)")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--queries", action="store_true", help="print the SQL of one POST")
    parser.add_argument("--plain", action="store_true", help="no profiler: the plain cost per POST")
    parser.add_argument("--refused", action="store_true", help="profile refusals: the municipalities again")
    parser.add_argument("--by-package", action="store_true", help="own time per package instead of functions")
    parser.add_argument(
        "--without",
        default="",
        help="what-if, comma-separated: leave out parts of a registration POST to see what they cost ("
        + ", ".join(WHAT_IF)
        + "); a measurement only, the registrations it writes lack those parts",
    )
    args = parser.parse_args()

    import django

    django.setup()
    left_out = [part for part in args.without.split(",") if part]
    for part in left_out:
        WHAT_IF[part]()
    if left_out:
        print(f"what-if: a registration POST without {', '.join(left_out)}")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from registrations.models import Municipality
    from workshops.models import Workshop

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE registrations_registration, notifications_delivery, notifications_mailing, "
            "notifications_ledgerentry, workshops_actionlog, django_session CASCADE"
        )
    workshop = Workshop.objects.get(slug="kulturskole-3-0-demo")
    path = f"/workshops/{workshop.slug}/"
    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="10.0.0.1")
    page = client.get(path, secure=True).content.decode()
    ids = rush.MUNICIPALITY_OPTION.findall(page)
    if len(ids) < args.n + 1:
        sys.exit(f"only {len(ids)} municipalities to register")
    if not Municipality.objects.filter(pk=ids[0]).exists():
        sys.exit("the page offers unknown municipalities")

    def post(pk: str, c: Client) -> None:
        page = c.get(path, secure=True).content.decode()
        form = rush.Form(
            server=rush.Server("testserver", 443),
            path=path,
            municipality=pk,
            cookie="",
            token=rush.CSRF_INPUT.search(page).group(1),
            started=rush.STARTED_INPUT.search(page).group(1),
            address="10.0.0.1",
        )
        return form

    # One POST with its queries, then N under the profiler (each form loaded first, not profiled).
    first = post(ids[0], client)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(path, rush.delegation_fields(first), secure=True, HTTP_ORIGIN="https://testserver")
    if response.status_code != 302:
        problems = re.findall(r"invalid-feedback[^>]*>([^<]+)", response.content.decode())
        sys.exit(f"the POST answered {response.status_code}: {problems}")
    print(f"queries in one registration POST: {len(queries)}")
    if args.queries:
        for q in queries.captured_queries:
            print(f"  {q['time']}s  {q['sql'][:220]}")

    clients = [
        Client(HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=f"10.1.{i // 250}.{i % 250 + 1}")
        for i in range(args.n)
    ]
    forms = [post(pk, c) for pk, c in zip(ids[1 : args.n + 1], clients, strict=True)]
    expected = 302
    if args.refused:  # registered first (not profiled): each POST below is refused as "already registered"
        for form, c in zip(forms, clients, strict=True):
            _post(c, path, form)
        forms, expected = [post(form.municipality, c) for form, c in zip(forms, clients, strict=True)], 200
    profiler = cProfile.Profile(time.process_time)  # CPU, not waiting for PostgreSQL
    wall, cpu = time.perf_counter(), time.process_time()
    if not args.plain:
        profiler.enable()
    for form, c in zip(forms, clients, strict=True):
        response = _post(c, path, form)
        assert response.status_code == expected, response.status_code
    profiler.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    under = "plain" if args.plain else "under the profiler: about twice the plain cost"
    print(f"{args.n} POSTs: {wall * 1000 / args.n:.1f} ms wall, {cpu * 1000 / args.n:.1f} ms CPU per POST ({under})")
    if args.plain:
        return
    stats = pstats.Stats(profiler)
    if args.by_package:
        _by_package(stats, args.n)
        return
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)


def _without_publish():
    from notifications import tasks

    tasks.queue = lambda delivery_ids: None


def _without_outbox():
    from notifications import services as notify

    notify.registration_confirmed = lambda **kwargs: []


def _without_audit():
    from registrations.services import registrations

    registrations.log_action = lambda **kwargs: None


def _without_session():
    from registrations import access

    access.grant = lambda request, registration: None


def _without_ratelimit():
    from django.conf import settings

    settings.RATELIMIT_ENABLE = False


# The parts --without can leave out: what each costs is the difference to a run with it in.
WHAT_IF = {
    "publish": _without_publish,  # the Celery message (the outbox rows are still written)
    "outbox": _without_outbox,  # the confirmation mailing and its deliveries, and so the message too
    "audit": _without_audit,  # the "registration.created" record
    "session": _without_session,  # the session row that opens the receipt
    "ratelimit": _without_ratelimit,  # the per-address count in Redis
}


def _post(client, path: str, form):
    """POST the form as a browser does (urlencoded), over "HTTPS"."""
    return client.post(
        path,
        urllib.parse.urlencode(rush.delegation_fields(form)),
        content_type="application/x-www-form-urlencoded",
        secure=True,
        HTTP_ORIGIN="https://testserver",
    )


def _by_package(stats: pstats.Stats, n: int) -> None:
    """Own time (tottime) summed per package: where the CPU goes, not who called it."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            key = "/".join(filename.split("site-packages/")[1].split("/")[:2])
        elif filename.startswith(str(ROOT)):
            key = "ours: " + "/".join(Path(filename).relative_to(ROOT).parts[:2])
        else:
            key = "stdlib/builtins: " + (Path(filename).name if filename != "~" else "builtins")
        totals[key] = totals.get(key, 0.0) + tottime
    for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:40]:
        print(f"  {seconds * 1000 / n:6.2f} ms  {key}")


if __name__ == "__main__":
    main()
