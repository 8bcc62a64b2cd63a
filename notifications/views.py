"""The personal links to material files that are too large to attach."""

from django.core import signing
from django.http import FileResponse, Http404

from notifications.links import material_file_unsign
from notifications.models import MaterialFile
from registrations.models import Participant, Registration


def material_file(request, signed: str):
    """Serve a material file to a participant whose delegation is still registered for its workshop."""
    try:
        file_id, participant_id = material_file_unsign(signed)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise Http404("Unknown link") from exc
    participant = (
        Participant.objects.filter(pk=participant_id)
        .exclude(registration__status=Registration.Status.CANCELLED)
        .select_related("registration")
        .first()
    )
    item = MaterialFile.objects.filter(pk=file_id).first()
    if participant is None or item is None or item.workshop_id != participant.registration.workshop_id:
        raise Http404("This link no longer works")
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.filename)
