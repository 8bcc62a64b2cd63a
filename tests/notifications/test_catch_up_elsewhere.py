"""A new delegation's catch-up of mailings already due, when the approval was saved by another process."""

import pytest

from notifications import scheduling
from notifications.models import Mailing
from tests.conftest import STAFF, oslo, register
from tests.notifications.test_scheduling import material_to, tick
from workshops import cache as workshops_cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]


def test_a_mailing_approved_in_another_process_reaches_a_new_delegation_by_the_next_tick(
    workshop, smtp_server, commit, time_machine, monkeypatch
):
    """Each process keeps when the workshop's first mailing is due (notifications.selectors) for a few
    seconds: a change it did not save itself shows after that time, or with the beat's next tick."""
    with commit():
        register(workshop, "0301", language="en")
    scheduled = scheduling.mailings_schedule(workshop=workshop)  # drafts, not approved
    time_machine.move_to(oslo(2021, 3, 4, 15, 0), tick=False)
    with commit():
        register(workshop, "5401", language="en", actor=STAFF)  # this process now knows: nothing approved
    # Approved elsewhere (another web process): an UPDATE here sends no signal to this process.
    Mailing.objects.filter(pk__in=[m.pk for m in scheduled]).update(approved_at=oslo(2021, 3, 4, 15, 0))

    with commit():
        register(workshop, "4601", language="en", actor=STAFF)
    assert material_to(smtp_server) == []  # not at once: this process still holds "nothing approved"

    tick(time_machine, commit, oslo(2021, 3, 4, 15, 1))  # the beat gives the due material to everyone
    assert len(material_to(smtp_server)) == 6

    later = workshops_cache.monotonic() + 5.01
    monkeypatch.setattr(workshops_cache, "monotonic", lambda: later)
    with commit():
        register(workshop, "1103", language="en", actor=STAFF)  # the kept time has expired: caught up at once
    assert len(material_to(smtp_server)) == 8
