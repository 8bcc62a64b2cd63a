"""The back office pages at scale: the attendee list and the overview with 10,000 participants.

Seeds the workshop of bench/backoffice_exports.py (``max_delegation_size=30``: 334 delegations across the
municipalities of its date, rows written directly: setup, not what is measured), then requests each page
through the Django test client logged in as an organiser (a staff user in the Arrangør group, so the
permission checks run as in real use), round after round, and prints the query count, the median and the
slowest round and the median CPU time of this process:

1. the attendee list (Participant changelist), first page,
2. the same filtered by county (Vestland, about a tenth of the rows),
3. the same with a search: a municipality's name (30 rows), and a name every participant has,
4. the workshop's overview page.

Everything runs in one transaction that is rolled back at the end, so the database is left as it was.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_h8 \\
        .venv/bin/python bench/backoffice_pages.py [-n 10000] [--rounds 5]

Without DATABASE_URL it uses a throwaway SQLite database in a temporary folder.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backoffice_exports import Queries, Rollback, seed, setup_django, timed  # noqa: E402

TARGET_SECONDS = 1.0


def organiser_client():
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from registrations.staff_groups import ORGANISERS, staff_groups_ensure

    staff_groups_ensure()
    user = get_user_model().objects.create_user("bench-organiser", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=ORGANISERS))
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client


def pages(workshop) -> dict[str, str]:
    participants = "/admin/registrations/participant/"
    return {
        "attendee list, first page": participants,
        "attendee list, county Vestland": f"{participants}?county=46",
        "attendee list, search «Bergen»": f"{participants}?q=Bergen",
        # Every participant's name holds «Æsheim»: the search's worst case, all 10,000 rows counted and sorted.
        "attendee list, search «Æsheim»": f"{participants}?q=%C3%86sheim",
        "overview": f"/admin/workshops/workshop/{workshop.pk}/overview/",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="participants (default 10000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per page; medians shown (default 5)")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.conf import settings
        from django.db import connection, transaction

        results = []
        try:
            with transaction.atomic():
                workshop, delegations = seed(args.n)
                client = organiser_client()
                for label, url in pages(workshop).items():
                    queries = Queries()
                    with connection.execute_wrapper(queries):
                        response = client.get(url)  # warm-up round, and its query count
                    if response.status_code != 200:
                        sys.exit(f"{url}: HTTP {response.status_code}")
                    median, slowest, cpu, _response = timed(lambda url=url: client.get(url), args.rounds)
                    results.append((label, queries.count, median, slowest, cpu, len(response.content)))
                raise Rollback
        except Rollback:
            pass

    engine = settings.DATABASES["default"]["ENGINE"].rpartition(".")[2]
    print(f"\n{args.n} participants in {delegations} delegations ({engine}, median of {args.rounds} rounds)")
    print(f"load average before: {load:.2f} on {os.cpu_count()} cores")
    print(f"{'page':<36} {'queries':>7} {'median s':>9} {'slowest s':>9} {'CPU s':>6} {'bytes':>9}")
    for label, queries, median, slowest, cpu, size in results:
        flag = "" if median < TARGET_SECONDS else f"  over the {TARGET_SECONDS:.0f} s target"
        print(f"{label:<36} {queries:>7} {median:>9.2f} {slowest:>9.2f} {cpu:>6.2f} {size:>9}{flag}")


if __name__ == "__main__":
    main()
