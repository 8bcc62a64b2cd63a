"""Whatever a client posts to the registration form: never a server error, never half a delegation saved."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registrations.fields import single_line
from registrations.models import Participant, Registration, Role
from tests.conftest import municipality, participants
from tests.registrations.conftest import form_data

REGISTER_URL = "/workshops/kulturskole-3-0/"
ROW_FIELDS = ("name", "email", "phone", "role", "title")
# Any Unicode a browser can send (lone surrogates cannot be encoded as UTF-8, so no client sends them).
any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
row_count = st.one_of(st.integers(min_value=-3, max_value=200_000).map(str), any_text)
field_names = st.sampled_from(
    ["municipality", "contact_name", "contact_email", "contact_phone", "municipality_input", "website"]
    + [f"participants-{row}-{field}" for row in range(4) for field in ROW_FIELDS]
)
roles = st.sampled_from([*Role.values, "", "admin"])


def filled_rows(data: dict) -> int:
    """The rows the form reads (at most TOTAL_FORMS, at most 6) with anything in them."""
    try:
        total = min(int(data.get("participants-TOTAL_FORMS", "")), 6)
    except ValueError:
        return 0
    return sum(
        1
        for row in range(max(total, 0))
        if any(single_line(data.get(f"participants-{row}-{field}", "")) for field in ROW_FIELDS)
    )


@pytest.mark.usefixtures("before_deadline")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changed=st.dictionaries(field_names, any_text, max_size=6),
    role_changes=st.dictionaries(st.integers(0, 3), roles, max_size=2),
    missing=st.lists(field_names, max_size=3),
    total=st.one_of(st.none(), row_count),
)
def test_any_post_gets_a_page_and_saves_a_whole_delegation_or_nothing(
    client, workshop, changed, role_changes, missing, total
):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.MUNICIPAL_SERVICE)
    data = form_data(municipality("0301"), people)
    data.update(changed)
    data.update({f"participants-{row}-role": role for row, role in role_changes.items()})
    for name in missing:
        data.pop(name, None)
    if total is None:
        data.pop("participants-TOTAL_FORMS")
    else:
        data["participants-TOTAL_FORMS"] = total

    response = client.post(REGISTER_URL, data)

    try:
        assert response.status_code in (200, 302)
        registrations = list(Registration.objects.all())
        if response.status_code == 302:
            [registration] = registrations
            assert registration.participants.count() == filled_rows(data)
        else:
            assert registrations == [] and Participant.objects.count() == 0
    finally:
        Participant.objects.all().delete()
        Registration.objects.all().delete()
