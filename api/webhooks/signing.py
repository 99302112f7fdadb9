"""Signing secrets and signatures: what a receiver checks to trust a delivery.

An endpoint's secret is derived from the installation secret, the endpoint id and the
secret version (``Settings.derived_key``), so it is never stored and never enters the
event log; rotating it is recording a new version. The signature is an HMAC-SHA256 over
``timestamp + "." + body`` with the secret's text as key, sent as
``LBX-Signature: v1=<hex>`` beside ``LBX-Timestamp`` (Unix seconds). Signing the timestamp
lets a receiver refuse an old delivery replayed by someone who captured it.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.settings import Settings

SIGNATURE_HEADER = "LBX-Signature"
TIMESTAMP_HEADER = "LBX-Timestamp"
TOLERANCE_SECONDS = 300
"""How far a receiver accepts a timestamp from its own clock (either way)."""


def secret_for(settings: Settings, endpoint_id: str, version: int) -> str:
    """The signing secret of one version of an endpoint, as shown to the admin (hex)."""
    return settings.derived_key(f"webhook:{endpoint_id}:{version}").hex()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The two headers that let a receiver verify a delivery."""
    return {TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: f"v1={signature(secret, timestamp, body)}"}


def verify(secret: str, headers: dict[str, str], body: bytes, now: int) -> str | None:
    """Why a delivery must be refused, or None if it is authentic and fresh.

    ``headers`` are matched case-insensitively. Any ``v1=`` value may match (a sender may
    list several, comma-separated).
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    stamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    if not (stamp.isascii() and stamp.isdigit()):  # "²".isdigit(), and int("²") raises
        return f"{TIMESTAMP_HEADER} is missing or not Unix seconds"
    if abs(now - int(stamp)) > TOLERANCE_SECONDS:
        return f"{TIMESTAMP_HEADER} is more than {TOLERANCE_SECONDS} s away from now"
    expected = signature(secret, int(stamp), body).encode()
    # compared as bytes: compare_digest refuses str with non-ASCII (a header may carry any)
    offered = [part.strip().removeprefix("v1=").encode("utf-8", "replace")
               for part in lowered.get(SIGNATURE_HEADER.lower(), "").split(",")
               if part.strip().startswith("v1=")]
    if not any(hmac.compare_digest(expected, candidate) for candidate in offered):
        return f"{SIGNATURE_HEADER} does not match"
    return None
