"""Absolute links in emails. No request is at hand in a worker, so they start from settings.SITE_URL."""

from django.conf import settings
from django.core import signing
from django.urls import get_script_prefix, reverse

_MATERIAL_SALT = "notifications.material-file"


def _absolute(path: str) -> str:
    # SITE_URL is the whole public base, a sub-path included. reverse() adds the script prefix only inside a
    # request (the web process under a sub-path), never in a worker: take it off so both build the same link.
    return f"{settings.SITE_URL}/{path.removeprefix(get_script_prefix())}"


def registration_manage_url(registration) -> str:
    """The contact person's self-service link: the registration's id and its secret (registrations/access.py)."""
    kwargs = {"access_id": registration.access_id, "secret": registration.token}
    return _absolute(reverse("registrations:registration_open", kwargs=kwargs))


def workshop_register_url(workshop) -> str:
    """The public registration form of a workshop (the link in an invitation)."""
    return _absolute(reverse("registrations:register", kwargs={"slug": workshop.slug}))


def material_file_url(*, material_file, participant) -> str:
    """A personal link to a material file: it works while the participant's delegation is not cancelled."""
    signed = signing.dumps([material_file.pk, participant.pk], salt=_MATERIAL_SALT, compress=True)
    return _absolute(reverse("notifications:material_file", args=[signed]))


def material_file_unsign(value: str) -> tuple[int, int]:
    """(material file id, participant id) from a link; raises signing.BadSignature when forged."""
    file_id, participant_id = signing.loads(value, salt=_MATERIAL_SALT)
    return int(file_id), int(participant_id)
