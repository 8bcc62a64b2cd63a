"""The registration page's weight: every request it makes, its transfer size, and the total.

Reads a Lighthouse JSON report of the page (bench/lighthouse.sh writes one with REPORT=...):

    REPORT=/tmp/lighthouse.json bench/lighthouse.sh && .venv/bin/python bench/page_weight.py /tmp/lighthouse.json

Prints one line per request (host, path, bytes on the wire, bytes unpacked) and the totals, and says whether
any request left the page's own host. Target (issue "Performance"): under 100 KB on the wire, no third party.
"""

import json
import sys
from urllib.parse import urlsplit


def main(path: str) -> int:
    report = json.load(open(path, encoding="utf-8"))
    page_host = urlsplit(report["finalDisplayedUrl"]).netloc
    rows = report["audits"]["network-requests"]["details"]["items"]
    foreign = []
    total = 0
    print(f"{'bytes on the wire':>18} {'unpacked':>10}  request")
    for row in rows:
        url = row["url"]
        if url.startswith("data:"):
            continue  # inline (a CSS data: image): no request
        parts = urlsplit(url)
        if parts.netloc != page_host:
            foreign.append(url)
        total += row.get("transferSize") or 0
        print(f"{row.get('transferSize', 0):>18} {row.get('resourceSize', 0):>10}  {parts.path}")
    requests = sum(1 for row in rows if not row["url"].startswith("data:"))
    print(f"total: {requests} requests, {total / 1000:.1f} kB on the wire; third-party requests: {len(foreign)}")
    for url in foreign:
        print(f"  third party: {url}")
    return 1 if foreign or total >= 100_000 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
