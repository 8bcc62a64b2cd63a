"""The one email helper: renders templates/emails/<name>-subject.txt, -body-text.txt and -body-html.html
in the recipient's language and returns a multipart message with the site's From, Reply-To and
Auto-Submitted headers. Each kind of email (notifications/messages.py) is a short function on top of it.
"""

import functools
import re
from collections.abc import Iterable
from email.mime.base import MIMEBase
from email.utils import formataddr, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
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


def message_id_domain() -> str:
    """The domain of our Message-IDs: the sender's, never socket.getfqdn() (slow, and a private name)."""
    return _sender(settings.DEFAULT_FROM_EMAIL)[0].rpartition("@")[2] or "localhost"


@functools.lru_cache(maxsize=4)
def _sender(from_email: str) -> tuple[str, str]:
    """(address, From header) of DEFAULT_FROM_EMAIL, worked out once.

    Given «Kulturskolerådet <verksted@…>» as from_email, Django parses it and RFC 2047-encodes the name
    twice for every message (for the header and for the envelope): a tenth of the cost of building it.
    So the envelope gets the bare address and the header the encoded form, which Django leaves as it is.
    """
    name, address = parseaddr(from_email)
    return address, formataddr((name, address), charset="utf-8")


def new_message_id() -> str:
    return make_msgid(domain=message_id_domain())


def make_message(
    name: str,
    *,
    to: str,
    context: dict,
    language: str,
    attachments: Iterable[MIMEBase | tuple[str, bytes, str]] = (),
    message_id: str | None = None,
) -> EmailMultiAlternatives:
    """The email `name` to one address, rendered in `language` ("nb", "nn" or "en")."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, text, html = render(name, context)
    address, from_header = _sender(settings.DEFAULT_FROM_EMAIL)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=address,
        to=[to],
        reply_to=settings.EMAIL_REPLY_TO,
        headers={
            "From": from_header,
            "Auto-Submitted": "auto-generated",
            "Message-ID": message_id or new_message_id(),
        },
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        if isinstance(attachment, MIMEBase):
            message.attach(attachment)
        else:
            message.attach(*attachment)
    return message


def attachment_part(filename: str, content: bytes, mimetype: str) -> MIMEBase:
    """A file as a ready-encoded MIME part, to attach to many messages.

    Django encodes an attachment given as bytes anew for every message; a part is attached as it is. The
    part is the one Django itself builds for (filename, content, mimetype), so the emails do not change.
    """
    carrier = EmailMessage(attachments=[(filename, content, mimetype)])
    return carrier.message().get_payload()[-1]  # the only part: the carrier has no body


def send_approval_reminder(*, mailing, gaps: list, to: str) -> None:
    """Tell the organisers' address that a scheduled mailing awaits approval, with what it still lacks."""
    url = settings.SITE_URL + reverse("admin:notifications_mailing_change", args=[mailing.pk])
    context = {"mailing": mailing, "workshop": mailing.workshop, "gaps": gaps, "admin_url": url}
    make_message("approval-reminder", to=to, context=context, language=settings.LANGUAGE_CODE).send()
