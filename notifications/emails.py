"""The one email helper: renders templates/emails/<name>-subject.txt, -body-text.txt and -body-html.html
in the recipient's language and returns a multipart message with the site's From, Reply-To and
Auto-Submitted headers. Each kind of email (notifications/messages.py) is a short function on top of it.
"""

import functools
import re
import secrets
from collections.abc import Callable, Iterable
from email.generator import BytesGenerator
from email.mime.base import MIMEBase
from email.policy import compat32
from email.utils import formataddr, make_msgid, parseaddr
from io import BytesIO

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape


def render(name: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) of templates/emails/<name>-*, in the active language."""
    return _finish(*_render_raw(name, context))


def _render_raw(name: str, context: dict) -> tuple[str, str, str]:
    parts = ("subject.txt", "body-text.txt", "body-html.html")
    return tuple(render_to_string(f"emails/{name}-{part}", context) for part in parts)


def _finish(subject: str, text: str, html: str) -> tuple[str, str, str]:
    # A subject is one line however the template is laid out.
    return re.sub(r"\s+", " ", subject).strip(), _tidy(text), html


# A token stands for a recipient's own value in a stencil. The "&" shows whether the template escaped it
# (HTML: "&amp;…") or not (text, subject), so the value is put in the same way.
_TOKEN = f"&stencil{secrets.token_hex(6)}_"


def render_personal(name: str, context_for: Callable[[dict], dict], personal: dict[str, str], *, memo: dict):
    """render(name, context_for(personal)), rendering the templates once per shape of the context.

    A fan-out renders the same text for hundreds of people who differ only in a few strings (their name,
    municipality, personal links): ``personal``. The templates are rendered once with a token in place of
    each (an empty string for an empty value, so ``{% if %}`` takes the same branch), and each recipient's
    values are put in place of the tokens, escaped where the template escaped the token. The stencil is
    kept in ``memo`` under everything else the context holds (objects by model and primary key), the
    language and which personal values are empty: a context that differs in anything else is rendered anew.
    Personal values may only be shown as they are (``{{ value }}``, ``{% blocktranslate with %}``) or tested
    for truth in the templates, not passed through a filter; tests compare the result with render().
    """
    tokens = {key: f"{_TOKEN}{key};" if value else "" for key, value in personal.items()}
    context = context_for(tokens)
    key = (name, translation.get_language(), _shape(context))
    if key not in memo:
        memo[key] = _render_raw(name, context)
    subject, text, html = memo[key]
    for field, value in personal.items():
        if value:
            token, escaped = tokens[field], conditional_escape(value)
            subject = subject.replace(f"&amp;{token[1:]}", escaped).replace(token, value)
            text = text.replace(f"&amp;{token[1:]}", escaped).replace(token, value)
            html = html.replace(f"&amp;{token[1:]}", escaped).replace(token, value)
    return _finish(subject, text, html)


def _shape(value):
    """A hashable stand-in for a context value: itself, a model instance's (model, pk), a list's shapes."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Model):
        return (value._meta.label, value.pk)
    if isinstance(value, list | tuple):
        return tuple(_shape(item) for item in value)
    if isinstance(value, dict):
        return tuple((k, _shape(v)) for k, v in value.items())
    return (type(value).__qualname__, id(value))  # anything else: only this very object has this shape


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
    rendered: Callable[[], tuple[str, str, str]] | None = None,
) -> "Email":
    """The email `name` to one address, rendered in `language` ("nb", "nn" or "en"); ``rendered`` instead
    of render(name, context) gives the subject, text and HTML some other way (render_personal)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, text, html = rendered() if rendered else render(name, context)
    address, from_header = _sender(settings.DEFAULT_FROM_EMAIL)
    message = Email(
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
    It is also written out (flattened) only once, by the first message that carries it (_Generator).
    """
    carrier = EmailMessage(attachments=[(filename, content, mimetype)])
    part = carrier.message().get_payload()[-1]  # the only part: the carrier has no body
    part.flattened = {}  # line separator -> the part as bytes
    return part


class Email(EmailMultiAlternatives):
    """Django's EmailMultiAlternatives, the same message, written out at a fraction of the cost.

    In a fan-out the standard library's generator spends most of a message on two things: searching the
    whole text (attachments included) for each multipart boundary it makes up, and writing every line of
    an attachment anew for each message (a 100 KB file is 1,800 lines). Here the boundaries are random
    (96 bits: no text contains one unless it was made from it) and a shared attachment part
    (attachment_part) is written once and copied as bytes into every message.
    """

    def _create_alternatives(self, msg):
        if not self.alternatives:
            return msg
        body = msg
        encoding = self.encoding or settings.DEFAULT_CHARSET
        msg = SafeMIMEMultipart(_subtype=self.alternative_subtype, boundary=_boundary(), encoding=encoding)
        if self.body:
            msg.attach(body)
        for alternative in self.alternatives:
            msg.attach(self._create_mime_attachment(alternative.content, alternative.mimetype))
        return msg

    def _create_attachments(self, msg):
        if not self.attachments:
            return msg
        body = msg
        encoding = self.encoding or settings.DEFAULT_CHARSET
        msg = _Multipart(_subtype=self.mixed_subtype, boundary=_boundary(), encoding=encoding)
        if self.body or body.is_multipart():
            msg.attach(body)
        for attachment in self.attachments:
            msg.attach(attachment if isinstance(attachment, MIMEBase) else self._create_attachment(*attachment))
        return msg


def _boundary() -> str:
    return f"==={secrets.token_hex(12)}=="


_FOLDED: dict[tuple, bytes] = {}


class _Multipart(SafeMIMEMultipart):
    """The outer part of an Email: written out by _Generator (what the SMTP backend calls)."""

    def as_bytes(self, unixfrom=False, linesep="\n"):
        out = BytesIO()
        _Generator(out, mangle_from_=False).flatten(self, unixfrom=unixfrom, linesep=linesep)
        return out.getvalue()


class _Generator(BytesGenerator):
    """Copies a shared part's bytes (written once per line separator) instead of writing it again, and
    folds each header (name, value) once: most are the same in every message of a fan-out (Subject per
    language, From, Reply-To, the parts' Content-Type), and folding is a pure function of them."""

    def _write_headers(self, msg):
        policy = self.policy
        if type(policy) is not type(compat32):  # Django's messages are compat32; anything else as usual
            return super()._write_headers(msg)
        settings_key = (policy.linesep, policy.max_line_length, policy.cte_type)
        for name, value in msg.raw_items():
            if not isinstance(value, str):
                self._fp.write(policy.fold_binary(name, value))
                continue
            key = (name, value, settings_key)
            folded = _FOLDED.get(key)
            if folded is None:
                if len(_FOLDED) >= 4096:  # To and Message-ID are new every time: keep the cache small
                    _FOLDED.clear()
                folded = _FOLDED[key] = policy.fold_binary(name, value)
            self._fp.write(folded)
        self.write(self._NL)

    def _write(self, msg):
        cache = getattr(msg, "flattened", None)
        if cache is None:
            return super()._write(msg)
        if self._NL not in cache:
            out = BytesIO()
            BytesGenerator(out, mangle_from_=False, policy=self.policy).flatten(msg, linesep=self._NL)
            cache[self._NL] = out.getvalue()
        self._fp.write(cache[self._NL])


def send_approval_reminder(*, mailing, gaps: list, to: str) -> None:
    """Tell the organisers' address that a scheduled mailing awaits approval, with what it still lacks."""
    url = settings.SITE_URL + reverse("admin:notifications_mailing_change", args=[mailing.pk])
    context = {"mailing": mailing, "workshop": mailing.workshop, "gaps": gaps, "admin_url": url}
    make_message("approval-reminder", to=to, context=context, language=settings.LANGUAGE_CODE).send()
