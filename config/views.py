"""Site-wide pages: the error pages and the accessibility statement.

Every error page is rendered with the request, so it has the site's layout, the visitor's language and
the language switch, and says what to do next. Django's own handlers render 400 and 500 without the request.
"""

import datetime
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.html import escape
from django.utils.translation import get_language, gettext
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_http_methods

logger = logging.getLogger(__name__)

# When the statement was last checked against the pages (WCAG 2.1 AA; see docs/accessibility.md).
ACCESSIBILITY_REVIEWED = datetime.date(2026, 11, 27)


def _contact_email() -> str:
    return settings.EMAIL_REPLY_TO[0] if settings.EMAIL_REPLY_TO else ""


def _error_page(request, template: str, status: int, **context):
    return render(request, template, {"contact_email": _contact_email(), **context}, status=status)


@requires_csrf_token
def bad_request(request, exception):
    """400, mostly a form larger than DATA_UPLOAD_MAX_MEMORY_SIZE (then 413) or with too many fields."""
    if isinstance(exception, RequestDataTooBig):
        return _error_page(request, "413.html", 413)
    return _error_page(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request, exception):
    return _error_page(request, "403.html", 403)


@requires_csrf_token
def page_not_found(request, exception):
    return _error_page(request, "404.html", 404)


@requires_csrf_token
def server_error(request):
    """500 in the site's layout. If the layout itself fails (the error may be in it), a bare page."""
    try:
        return _error_page(request, "500.html", 500)
    except Exception:
        logger.exception("The 500 page could not be rendered in the site's layout")
        title = escape(gettext("Something went wrong"))
        text = escape(gettext("Please try again in a few minutes."))
        return HttpResponseServerError(
            f'<!DOCTYPE html><html lang="{get_language() or settings.LANGUAGE_CODE}"><meta charset="utf-8">'
            f"<title>{title}</title><h1>{title}</h1><p>{text}</p></html>"
        )


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form whose security check failed (no cookie, or a token from another time).

    Django logs the reason (django.security.csrf). What was typed is gone: the server never read it. On
    the registration form the page says so and offers the form again; elsewhere it offers the page again.
    """
    try:
        on_registration_form = resolve(request.path_info).view_name == "registrations:register"
    except Resolver404:
        on_registration_form = False
    return _error_page(
        request,
        "403_csrf.html",
        403,
        on_registration_form=on_registration_form,
        again_url=request.get_full_path(),
    )


@require_http_methods(["GET", "HEAD"])
def accessibility_statement(request):
    return render(
        request,
        "accessibility.html",
        {"contact_email": _contact_email(), "reviewed": ACCESSIBILITY_REVIEWED},
    )
