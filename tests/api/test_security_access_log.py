"""The access log keeps every request but never a CRM webhook's secret.

Given the app is created (however the server is then started), when uvicorn logs a CRM
webhook delivery, then the secret path segment is replaced and the rest of the line (client,
method, system, query, status) stays; other requests are logged as they were.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import pytest
import uvicorn

from api.access_log import ACCESS_LOGGER, REDACTED, RedactCrmSecrets, redact
from api.app import create_app

if TYPE_CHECKING:
    from collections.abc import Iterator

SECRET = "Zm9vYmFyLWJhei1xdXV4_-0123456789abcdef"  # noqa: S105  (a made-up URL secret)


def access_record(path: str, status: int = 200) -> logging.LogRecord:
    """A record shaped like uvicorn's access record: five arguments, the path the third."""
    return logging.LogRecord(
        ACCESS_LOGGER, logging.INFO, "httptools_impl.py", 0, '%s - "%s %s HTTP/%s" %d',
        ("203.0.113.7:51234", "POST", path, "1.1", status), None)


class Kept(logging.Handler):
    """The records that reach a handler, formatted."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def access_log() -> Iterator[Kept]:
    """What uvicorn's access logger writes during the test (its loggers restored after)."""
    loggers = [logging.getLogger(name) for name in ("uvicorn", "uvicorn.error", ACCESS_LOGGER)]
    saved = [(lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    kept = Kept()
    loggers[-1].addHandler(kept)
    loggers[-1].setLevel(logging.INFO)
    try:
        yield kept
    finally:
        for lg, (handlers, level, propagate) in zip(loggers, saved, strict=True):
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate


@pytest.mark.parametrize("system", ["amocrm", "bitrix24"])
def test_a_crm_webhook_secret_is_redacted_and_the_rest_of_the_line_kept(system: str) -> None:
    record = access_record(f"/v1/crm/{system}/{SECRET}?account=42", status=401)

    assert RedactCrmSecrets().filter(record) is True

    line = record.getMessage()
    assert SECRET not in line
    assert line == (f'203.0.113.7:51234 - "POST /v1/crm/{system}/{REDACTED}?account=42 '
                    'HTTP/1.1" 401')
    assert isinstance(record.args, tuple)
    assert len(record.args) == 5  # uvicorn's formatter unpacks five
    assert record.args[4] == 401


def test_other_paths_are_logged_as_they_were() -> None:
    for path in ("/v1/crm/webhooks", "/v1/customers/C-1", "/v1/gateways/tbank/notification"):
        record = access_record(path)
        RedactCrmSecrets().filter(record)
        assert record.getMessage() == f'203.0.113.7:51234 - "POST {path} HTTP/1.1" 200'
    assert redact("/app/customers") == "/app/customers"


def test_creating_the_app_installs_the_filter_once(access_log: Kept) -> None:
    create_app()
    create_app()
    logger = logging.getLogger(ACCESS_LOGGER)
    assert sum(isinstance(f, RedactCrmSecrets) for f in logger.filters) == 1

    logger.handle(access_record(f"/v1/crm/amocrm/{SECRET}"))

    assert access_log.lines == [
        f'203.0.113.7:51234 - "POST /v1/crm/amocrm/{REDACTED} HTTP/1.1" 200']


def test_the_filter_survives_uvicorns_own_logging_setup(access_log: Kept) -> None:
    app = create_app()
    uvicorn.Config(app, log_level="info")  # configures logging, as `lbx serve` does
    logger = logging.getLogger(ACCESS_LOGGER)
    logger.addHandler(access_log)  # uvicorn's setup replaced the logger's handlers

    logger.handle(access_record(f"/v1/crm/bitrix24/{SECRET}"))

    assert SECRET not in "".join(access_log.lines)
    assert access_log.lines
