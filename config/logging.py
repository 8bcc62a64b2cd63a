"""Log hygiene: the secret half of a delegation's link never reaches a log.

The link /r/<access_id>/<secret>/ shows up in the development server's request lines, in Django's
"Not Found: …" warnings and in gunicorn's access log. ``mask_secrets`` keeps the id (useful when
tracing a support case) and replaces the secret.
"""

import logging
import re

_SECRET_LINK = re.compile(r"(/r/[A-Za-z0-9_-]+/)[A-Za-z0-9_-]+")
MASK = "[secret]"


def mask_secrets(text: str) -> str:
    return _SECRET_LINK.sub(rf"\g<1>{MASK}", text)


class MaskSecretLinks(logging.Filter):
    """A logging filter that rewrites the record's message with the secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True
