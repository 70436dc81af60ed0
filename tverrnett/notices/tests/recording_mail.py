"""An e-mail backend that records every message it is given, from any thread, and takes
a little time for each, as a mail server does: long enough that two workers sending
at once really overlap."""

import threading
import time

from django.core.mail.backends.base import BaseEmailBackend

SENT = []
_LOCK = threading.Lock()
DELAY = 0.01


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            time.sleep(DELAY)
            with _LOCK:
                SENT.append((message.to, message.extra_headers.get("Message-ID")))
        return len(email_messages)
