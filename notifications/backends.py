"""An email backend that writes one RFC 5322 `.eml` file per message, for development without a mail server.

Django's file backend writes one `.log` per connection with the messages joined by dashes, which no mail
client opens. Here every message is a file a mail client (or `email.message_from_binary_file`) reads as it is.
The names sort by the moment of sending: `20210215-120000-123456-000001-<hash of the Message-ID>.eml`
(UTC with microseconds, then a counter for messages written in the same microsecond by this process).
Each file is written under a hidden temporary name and renamed, so a reader never sees half a message.
"""

import datetime
import hashlib
import itertools
import os
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

_counter = itertools.count(1)
_counter_lock = threading.Lock()


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages) -> int:
        written = 0
        for message in email_messages:
            if not message.recipients():
                continue
            try:
                self._write(message)
            except OSError:
                if not self.fail_silently:
                    raise
            else:
                written += 1
        return written

    def _write(self, email_message) -> Path:
        message = email_message.message()
        # CRLF line endings, as RFC 5322 and mail clients' .eml files have them.
        data = message.as_bytes(linesep="\r\n")
        self.file_path.mkdir(parents=True, exist_ok=True)
        target = self.file_path / _file_name(str(message["Message-ID"] or ""))
        with tempfile.NamedTemporaryFile(dir=self.file_path, prefix=".", suffix=".tmp", delete=False) as temporary:
            try:
                temporary.write(data)
            except OSError:
                temporary.close()
                os.unlink(temporary.name)
                raise
        os.replace(temporary.name, target)
        return target


def _file_name(message_id: str) -> str:
    with _counter_lock:  # the moment and the counter together, so names follow the order of writing
        moment = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S-%f")
        number = next(_counter) % 1_000_000
    digest = hashlib.sha256(message_id.encode()).hexdigest()[:12]
    return f"{moment}-{number:06d}-{digest}.eml"
