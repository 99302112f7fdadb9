"""Settings from the environment: one database URL, a data folder, a time zone.

``LBX_DATABASE_URL`` selects PostgreSQL (``postgresql://user@host:5432/dbname``); when it
is unset LBX runs on SQLite files in ``LBX_DATA_DIR`` (``./var`` by default), so a fresh
clone needs no set-up at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from eventsourcing.utils import get_topic
from psycopg.conninfo import conninfo_to_dict

from api.postgres_store import LedgerPostgresFactory

if TYPE_CHECKING:
    from collections.abc import Mapping


def _flag(value: str) -> bool:
    return value.strip().lower() not in {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class Settings:
    """Where LBX keeps its data and how it tells the business day."""

    database_url: str | None
    data_dir: Path
    timezone: str = "Europe/Moscow"
    invoice_prefix: str = "LBX"
    run_worker: bool = True
    run_scheduler: bool = True
    own_accounts: tuple[str, ...] = ()
    """Our bank accounts (``LBX_OWN_ACCOUNTS``, comma-separated): only money into them is ours."""
    own_inn: str | None = None
    """Our ИНН (``LBX_OWN_INN``): a transfer from it is internal, not a customer's payment."""
    secret_key: str | None = field(default=None, repr=False)
    """The installation secret (``LBX_SECRET_KEY``); unset, one is kept in the data folder."""
    company_file: Path | None = None
    """The seller's requisites for documents (``LBX_COMPANY_FILE``, YAML or JSON)."""
    amocrm_url: str | None = None
    """The amoCRM account LBX re-reads contacts from (``LBX_AMOCRM_URL``,
    ``https://example.amocrm.ru``)."""
    amocrm_token: str | None = field(default=None, repr=False)
    """A long-lived amoCRM access token (``LBX_AMOCRM_TOKEN``), sent as a bearer token."""
    bitrix24_url: str | None = field(default=None, repr=False)
    """The Bitrix24 inbound webhook LBX calls REST methods on (``LBX_BITRIX24_URL``,
    ``https://example.bitrix24.ru/rest/1/abc123``)."""
    bitrix24_app_token: str | None = field(default=None, repr=False)
    """The application token Bitrix24 puts in every event (``LBX_BITRIX24_APP_TOKEN``)."""
    webhook_test_receiver: bool = False
    """Serve LBX's own webhook test receiver (``LBX_WEBHOOK_TEST_RECEIVER=1``; the demo does)."""
    webhook_allow_private: bool = False
    """Allow webhook URLs on loopback/private addresses (``LBX_WEBHOOK_ALLOW_PRIVATE=1``)."""
    secure_cookies: bool = False
    """Mark workspace cookies Secure even over plain HTTP (``LBX_SECURE_COOKIES=1``, behind a
    proxy that ends TLS)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``LBX_*`` variables (from ``env`` if given, else the process environment)."""
        source = os.environ if env is None else env
        return cls(
            database_url=source.get("LBX_DATABASE_URL") or None,
            data_dir=Path(source.get("LBX_DATA_DIR", "var")),
            timezone=source.get("LBX_TIMEZONE", "Europe/Moscow"),
            invoice_prefix=source.get("LBX_INVOICE_PREFIX", "LBX"),
            run_worker=source.get("LBX_WORKER", "1") not in {"0", "false", "no"},
            run_scheduler=source.get("LBX_SCHEDULER", "1") not in {"0", "false", "no"},
            own_accounts=tuple(a.strip() for a in source.get("LBX_OWN_ACCOUNTS", "").split(",")
                               if a.strip()),
            own_inn=source.get("LBX_OWN_INN", "").strip() or None,
            secret_key=source.get("LBX_SECRET_KEY") or None,
            company_file=Path(source["LBX_COMPANY_FILE"]) if source.get("LBX_COMPANY_FILE")
            else None,
            amocrm_url=source.get("LBX_AMOCRM_URL", "").strip().rstrip("/") or None,
            amocrm_token=source.get("LBX_AMOCRM_TOKEN", "").strip() or None,
            bitrix24_url=source.get("LBX_BITRIX24_URL", "").strip().rstrip("/") or None,
            webhook_test_receiver=_flag(source.get("LBX_WEBHOOK_TEST_RECEIVER", "0")),
            webhook_allow_private=_flag(source.get("LBX_WEBHOOK_ALLOW_PRIVATE", "0")),
            secure_cookies=_flag(source.get("LBX_SECURE_COOKIES", "0")),
            bitrix24_app_token=source.get("LBX_BITRIX24_APP_TOKEN", "").strip() or None,
        )

    def derived_key(self, purpose: str) -> bytes:
        """A key for one purpose (session cookies, webhook signing, ...) from the one secret.

        Keys are derived rather than stored, so no secret ever enters the event log; every
        process that shares ``LBX_SECRET_KEY`` (or the data folder) derives the same keys.
        """
        return hmac.new(self._installation_secret(), purpose.encode(), hashlib.sha256).digest()

    def _installation_secret(self) -> bytes:
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError), path.open("x") as file:
                path.chmod(0o600)
                file.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()

    @property
    def backend(self) -> str:
        """``postgres`` or ``sqlite``."""
        return "postgres" if self.database_url else "sqlite"

    def ledger_env(self) -> dict[str, str]:
        """The event-sourcing library's settings for the ledger."""
        if self.database_url is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": str(self.data_dir / "lbx-events.sqlite"),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        parts = conninfo_to_dict(self.database_url)
        return {
            "PERSISTENCE_MODULE": get_topic(LedgerPostgresFactory),  # LBX's recorder
            "POSTGRES_DBNAME": str(parts.get("dbname", "lbx")),
            "POSTGRES_HOST": str(parts.get("host", "127.0.0.1")),
            "POSTGRES_PORT": str(parts.get("port", "5432")),
            "POSTGRES_USER": str(parts.get("user", "postgres")),
            "POSTGRES_PASSWORD": str(parts.get("password", "")),
            "POSTGRES_POOL_SIZE": "10",
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_LOCK_TIMEOUT": "10",
            # A transaction left idle this long is ended by the server. The library's 5 s
            # once ended one on a busy 2-core machine between two statements of start-up;
            # LBX's own writes are single statements in autocommit, so no lock waits on it.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
        }

    def views_path(self) -> str:
        """The SQLite file of the read models."""
        return str(self.data_dir / "lbx-views.sqlite")
