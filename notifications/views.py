"""The personal links to material files, and the staff's own download of a file from the admin.

Files are read through the FileField's storage (whatever STORAGES["default"] is) and streamed. MEDIA_URL is
never served (config/urls.py): these views are the only way to a material file.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from notifications import material
from notifications.models import MaterialFile


def material_file(request, signed: str):
    """Serve a material file to a participant whose delegation is still registered for its workshop.

    Every failure is the same 404: a forged link, a cancelled delegation, a file removed.
    Side effects: the download is counted for the participant's delegation.
    """
    found = material.material_file_for_link(signed=signed)
    if found is None:
        raise Http404("This link does not work")
    item, participant = found
    response = _file_response(item)
    material.material_download_record(material_file=item, participant=participant)
    return response


@staff_member_required
def material_file_staff(request, pk: int):
    """The file for staff who may see material files (the admin links here, not to a public URL)."""
    if not request.user.has_perm("notifications.view_materialfile"):
        raise PermissionDenied
    return _file_response(get_object_or_404(MaterialFile, pk=pk))


def _file_response(item: MaterialFile) -> FileResponse:
    storage = item.file.storage
    try:
        handle = storage.open(item.file.name, "rb")
    except (FileNotFoundError, OSError) as exc:  # the row outlived its file: a dead link, not a server error
        raise Http404("The file is gone") from exc
    response = FileResponse(handle, as_attachment=True, filename=item.filename)
    # Personal content: no shared cache may keep it, and no browser may guess it is HTML and render it.
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
