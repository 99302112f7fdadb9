"""The shared samples are byte-for-byte what PROVENANCE.md recorded.

An editor that re-encodes cp1251 to UTF-8, or git turning CRLF into LF, would silently
change what the other tests exercise; this catches it first.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

import pytest

from tests.unit.bankfiles.samples import RECORDED

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_sample_bytes_are_unchanged(name: str, sample: Callable[[str], bytes]) -> None:
    size, sha256 = RECORDED[name]
    data = sample(name)
    assert len(data) == size
    assert hashlib.sha256(data).hexdigest() == sha256


def test_recorded_hashes_match_the_provenance_table(samples_dir: Path) -> None:
    table = (samples_dir / "PROVENANCE.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", table, re.MULTILINE))
    assert rows == {name: sha256 for name, (_, sha256) in RECORDED.items()}
