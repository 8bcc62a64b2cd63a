"""Rendering a mailing for staff: the preview on its admin page and "send a test to me".

Both render the real email for a sample recipient (the first delivery, else the first person the mailing
would go to), so staff see exactly what participants will get. A test is sent at once over the configured
backend and is not a delivery: it does not count as the mailing being sent to anyone.
"""

from django.core.mail import get_connection
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from notifications import emails, messages, selectors
from notifications.models import Delivery, Mailing


def sample_delivery(*, mailing: Mailing, email: str | None = None, name: str | None = None) -> Delivery | None:
    """An unsaved Delivery of `mailing` to a real recipient (or to `email`, with that recipient's data)."""
    existing = mailing.deliveries.exclude(registration=None).select_related("registration", "participant").first()
    if existing is not None:
        recipient = (existing.registration, existing.participant, existing.email, existing.name, existing.language)
    else:
        if not mailing.is_about_registration:
            people = selectors.mailing_audience(mailing=mailing)
        elif mailing.registration is not None:
            people = selectors.registration_recipients(registration=mailing.registration)
        else:
            people = []
        if not people:
            return None
        first = people[0]
        recipient = (first.registration, first.participant, first.email, first.name, first.language)
    registration, participant, to, to_name, language = recipient
    return Delivery(
        mailing=mailing,
        registration=registration,
        participant=participant,
        email=email or to,
        name=name or to_name,
        language=language,
    )


def render(mailing: Mailing, *, email: str | None = None, name: str | None = None):
    delivery = sample_delivery(mailing=mailing, email=email, name=name)
    if delivery is None:
        return None
    batch = messages.Batch(now=timezone.now())
    return messages.BUILDERS[mailing.kind](delivery, batch, emails.new_message_id())


def preview_html(mailing: Mailing) -> str:
    try:
        message = render(mailing)
    except Exception as exc:  # show the problem to staff rather than a server error
        return format_html("<p class='errornote'>{}: {}</p>", _("The email cannot be rendered"), exc)
    if message is None:
        return _("No recipient yet: the preview appears when someone is registered.")
    html = message.alternatives[0][0] if message.alternatives else ""
    files = ", ".join(_attachment_name(a) for a in message.attachments) or "–"
    return format_html(
        "<p><strong>{}</strong> {}<br><strong>{}</strong> {}<br><strong>{}</strong> {}</p>"
        "<iframe sandbox srcdoc='{}' style='width:100%;height:480px;border:1px solid #ccc'></iframe>"
        "<details><summary>{}</summary><pre style='white-space:pre-wrap'>{}</pre></details>",
        _("To:"),
        ", ".join(message.to),
        _("Subject:"),
        message.subject,
        _("Attachments:"),
        files,
        html,
        _("Plain text"),
        message.body,
    )


def _attachment_name(attachment) -> str:
    if isinstance(attachment, tuple) or hasattr(attachment, "filename"):
        return attachment[0] if isinstance(attachment, tuple) else attachment.filename
    return attachment.get_filename() or attachment.get_content_type()


def send_test(*, mailing: Mailing, email: str, name: str) -> str:
    """Send the mailing's email for a sample recipient to `email`. Returns an error text, or "" when sent."""
    try:
        message = render(mailing, email=email, name=name)
        if message is None:
            return _("No recipient yet to build a test from.")
        test = _("Test")
        message.subject = f"[{test}] {message.subject}"
        with get_connection() as connection:
            connection.send_messages([message])
    except Exception as exc:  # SMTP and rendering problems are reported to staff on the page
        return f"{type(exc).__name__}: {exc}"
    return ""
