"""``{% static_or_empty %}``: a static file's URL, or nothing when production has no manifest entry for it.

With DEBUG off, the static files storage names each file by its hash from the manifest that collectstatic
writes; ``{% static %}`` raises when the manifest or the entry is missing (a deploy without collectstatic,
a file added since). The layout uses this tag instead, so every page, the error pages first of all, still
renders: unstyled, which semantic HTML survives, and with the mistake in the error log.
"""

import logging

from django import template
from django.templatetags.static import static

logger = logging.getLogger(__name__)
register = template.Library()


@register.simple_tag
def static_or_empty(path: str) -> str:
    try:
        return static(path)
    except ValueError:
        logger.error("Static file %r is not in the manifest: run `manage.py collectstatic`", path)
        return ""
