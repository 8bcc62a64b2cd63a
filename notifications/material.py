"""Material files served to registered participants through their personal links, and who opened them.

A link (links.material_file_url) names a file and a participant, signed; ``material_file_for_link`` is
the one place that decides whether it still opens the file, ``material_download_record`` the write that
counts a download. Staff read the counts per file and per delegation (``material_download_summary``,
``registration_material_downloads``).
"""

from django.core import signing
from django.db.models import Count, Max

from notifications.links import material_file_unsign
from notifications.models import MaterialDownload, MaterialFile
from registrations.models import Participant, Registration


def material_file_for_link(*, signed: str) -> tuple[MaterialFile, Participant] | None:
    """The file and the participant a personal link opens, or None: a forged or malformed link, a file or
    participant that is gone, a cancelled delegation, or a file of another workshop."""
    try:
        file_id, participant_id = material_file_unsign(signed)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    participant = (
        Participant.objects.filter(pk=participant_id)
        .exclude(registration__status=Registration.Status.CANCELLED)
        .select_related("registration")
        .first()
    )
    if participant is None:
        return None
    item = MaterialFile.objects.filter(pk=file_id, workshop_id=participant.registration.workshop_id).first()
    if item is None:
        return None
    return item, participant


def material_download_record(*, material_file: MaterialFile, participant: Participant) -> MaterialDownload:
    """Count one download of `material_file` by `participant` (for their delegation).

    No entry in the log of who did what: the row is the record, and a download changes nothing.
    Side effects: one MaterialDownload row.
    """
    return MaterialDownload.objects.create(
        material_file=material_file, participant=participant, registration_id=participant.registration_id
    )


def material_download_summary(*, material_files) -> dict[int, dict[str, int]]:
    """{file id: {"downloads", "delegations", "participants"}} for the files given (one query)."""
    rows = (
        MaterialDownload.objects.filter(material_file__in=material_files)
        .values("material_file_id")
        .order_by()
        .annotate(
            downloads=Count("pk"),
            delegations=Count("registration_id", distinct=True),
            participants=Count("participant_id", distinct=True),
        )
    )
    return {row.pop("material_file_id"): row for row in rows}


def registration_material_downloads(*, registration: Registration) -> list[dict]:
    """What each participant of a delegation opened: one row per (participant, file) with the count and
    the last time, newest first."""
    return list(
        MaterialDownload.objects.filter(registration=registration)
        .values("participant__name", "participant__email", "material_file__title")
        .order_by()
        .annotate(times=Count("pk"), last=Max("downloaded_at"))
        .order_by("-last")
    )
