"""Fixtures that find the shared bank samples beside the repository.

The repository root is the parent of ``tests/``; ``shared/`` sits beside it, both on a
developer's machine and in CI's fresh clone, so the path is computed, never hard-coded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLES_DIR = REPO_ROOT.parent / "shared" / "samples" / "bank"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.fail(f"bank samples not found at {SAMPLES_DIR}: shared/ must sit beside the repo")
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def sample(samples_dir: Path) -> Callable[[str], bytes]:
    def read(name: str) -> bytes:
        return (samples_dir / name).read_bytes()

    return read
