"""The staff lists run a fixed number of queries whatever the number of rows (no query per row)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.bulk import bulk_delegations

PAGES = [
    "/admin/registrations/registration/",
    "/admin/registrations/registration/?q=Person",
    "/admin/registrations/participant/",
    "/admin/registrations/participant/?q=kommune.example",
    "/admin/registrations/participant/?county=03",
    "/admin/workshops/session/",
    "/admin/workshops/workshop/",
]


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("url", PAGES)
def test_a_list_costs_the_same_queries_for_10_and_for_1045_participants(admin_client, workshop, url):
    bulk_delegations(workshop, 5, size=2)
    baseline = queries(admin_client, url)

    bulk_delegations(workshop, 345, size=3, skip=5)

    assert queries(admin_client, url) == baseline
