"""The server's access log, without the CRM webhook secrets.

A CRM webhook URL (``/v1/crm/{system}/{secret}``) carries its only credential in the path,
and uvicorn's access log writes every request's path. :class:`RedactCrmSecrets` replaces
that path segment with ``***`` in the ``uvicorn.access`` records and leaves the rest of
the line (client, method, the rest of the path, status) as it was, so the log still tells
which CRM called and how it was answered. ``create_app`` installs it, so it is in place
however the server is started (``lbx serve``, ``uvicorn --factory``, a test server).
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "***"
_CRM_SECRET = re.compile(r"(/v1/crm/[^/?#\s]+/)[^/?#\s\"]+")


def redact(text: str) -> str:
    """``text`` with the secret segment of every CRM webhook path in it replaced."""
    return _CRM_SECRET.sub(rf"\g<1>{REDACTED}", text)


class RedactCrmSecrets(logging.Filter):
    """Redact CRM webhook secrets from access-log records (every record is kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message and its text arguments in place; keep the record.

        uvicorn's access record carries the path as one of five arguments, which its
        formatter unpacks, so the arguments keep their number and types.
        """
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger, once however many apps are created."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactCrmSecrets) for f in logger.filters):
        logger.addFilter(RedactCrmSecrets())
