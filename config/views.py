"""Site-wide error pages that need the request (the visitor's language, the page layout)."""

from django.shortcuts import render


def bad_request(request, exception):
    """400, mostly a form larger than DATA_UPLOAD_MAX_MEMORY_SIZE or with too many fields.

    Django's own handler renders without the request; ours keeps the site's layout and language switch.
    """
    return render(request, "400.html", status=400)
