"""Links in emails. No request is at hand in a worker, so they are built from settings.SITE_URL."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_MATERIAL_SALT = "notifications.material-file"


def registration_manage_url(registration) -> str:
    """The contact person's self-service page, from the registration's secret token.

    The one place this URL is built; the page that answers it (a later issue) must use the same shape.
    """
    return f"{settings.SITE_URL}/registration/{registration.token}/"


def material_file_url(*, material_file, participant) -> str:
    """A personal link to a material file: it works while the participant's delegation is not cancelled."""
    signed = signing.dumps([material_file.pk, participant.pk], salt=_MATERIAL_SALT, compress=True)
    return f"{settings.SITE_URL}{reverse('notifications:material_file', args=[signed])}"


def material_file_unsign(value: str) -> tuple[int, int]:
    """(material file id, participant id) from a link; raises signing.BadSignature when forged."""
    file_id, participant_id = signing.loads(value, salt=_MATERIAL_SALT)
    return int(file_id), int(participant_id)
