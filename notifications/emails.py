"""The one email helper: renders templates/emails/<name>-subject.txt, -body-text.txt and -body-html.html
in the recipient's language and returns a multipart message with the site's From, Reply-To and
Auto-Submitted headers. Each kind of email (notifications/messages.py) is a short function on top of it.
"""

import re
from collections.abc import Iterable
from email.mime.base import MIMEBase
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def render(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of templates/emails/<name>-*, in the active language."""
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    text = render_to_string(f"emails/{name}-body-text.txt", context)
    html = render_to_string(f"emails/{name}-body-html.html", context)
    # A subject is one line however the template is laid out.
    return re.sub(r"\s+", " ", subject).strip(), _tidy(text), html


def _tidy(text: str) -> str:
    # Template tags leave runs of blank lines behind; keep at most one.
    return re.sub(r"\n{3,}", "\n\n", text.strip()) + "\n"


def new_message_id() -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def make_message(
    name: str,
    *,
    to: str,
    context: dict,
    language: str,
    attachments: Iterable[MIMEBase | tuple[str, bytes, str]] = (),
    message_id: str | None = None,
) -> EmailMultiAlternatives:
    """The email `name` to one address, rendered in `language` ("nb" or "en")."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, text, html = render(name, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=settings.EMAIL_REPLY_TO,
        headers={"Auto-Submitted": "auto-generated", "Message-ID": message_id or new_message_id()},
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        if isinstance(attachment, MIMEBase):
            message.attach(attachment)
        else:
            message.attach(*attachment)
    return message
