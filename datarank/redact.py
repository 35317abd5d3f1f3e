"""Keep credentials out of what DataRank writes: logs, error lines, ingest.json, run manifests.

A snapshot URI may carry a secret: `s3://KEY:SECRET@bucket/…` (userinfo) or a presigned/tokened
https URL (`?X-Amz-Signature=…`, `?token=…`). `redact` replaces the userinfo and the values of
credential-like query parameters with `***`; everything else in the text is left as it was.
"""

from __future__ import annotations

import logging
import re
from typing import Any

MASK = "***"
# scheme://user[:password]@host  →  scheme://***@host
_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s?#]+)@")
# ?name=value / &name=value where name looks like a credential
_SECRET_PARAMETER = re.compile(
    r"(?P<name>[?&;](?:[^=&#\s]*?(?:token|signature|secret|password|passwd|pwd|key|credential|auth|sig)"
    r"[^=&#\s]*))=(?P<value>[^&#\s'\"]*)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """`text` with credentials in URLs replaced by `***`."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)
    return _SECRET_PARAMETER.sub(lambda m: f"{m['name']}={MASK}", text)


def redact_all(value: Any) -> Any:
    """`redact` applied to every string inside nested dicts, lists and tuples."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_all(item) for item in value)
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message (with its arguments filled in) and the
    text of the exception it carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
