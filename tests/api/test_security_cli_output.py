"""What ``lbx`` prints from data cannot drive the operator's terminal.

Given a customer whose name carries terminal control sequences (recorded before names were
checked, or by any path that does not check them), when an operator lists customers, reads
the history or replays the book, then each control character is shown as U+FFFD and no
escape reaches the terminal; tabs, newlines and Cyrillic text are printed as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app
from api.cli_support import printable
from commands.register_customer import RegisterCustomer
from tests.support.dsl import send

if TYPE_CHECKING:
    from pathlib import Path

Env = dict[str, str | None]

CLEAR_SCREEN = "\x1b[2J\x1b[H"
CSI = "\x9b"
HOSTILE_NAME = f"{CLEAR_SCREEN}ООО Ромашка{CSI}31m\x07"


@pytest.fixture
def env(tmp_path: Path) -> Env:
    """SQLite in a fresh folder, whatever the developer's shell says, and a wide terminal."""
    return {"LBX_DATA_DIR": str(tmp_path / "var"), "LBX_DATABASE_URL": None,
            "LBX_WORKER": None, "COLUMNS": "200"}


@pytest.fixture
def hostile(env: Env) -> str:
    """A customer C-1 whose recorded name carries control characters."""
    services = bootstrap({k: v for k, v in env.items() if v is not None})
    try:
        checked = RegisterCustomer(external_key="C-1", name="ООО Ромашка")
        send(services, checked.model_copy(update={"name": HOSTILE_NAME}))  # as if unchecked
    finally:
        services.close()
    return "C-1"


@pytest.mark.parametrize("command", [["customers"], ["history", "C-1"], ["replay", "C-1"]])
def test_control_characters_in_data_never_reach_the_terminal(
    env: Env, hostile: str, command: list[str]
) -> None:
    result = CliRunner().invoke(app, command, env=env)

    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert CSI not in result.output
    assert "\x07" not in result.output
    assert "\ufffd[2J\ufffd[HООО Ромашка\ufffd31m\ufffd" in result.output


def test_printable_keeps_tabs_newlines_and_text() -> None:
    assert printable("ООО\t«Ромашка»\nул. Ленина, 1") == "ООО\t«Ромашка»\nул. Ленина, 1"
    assert printable(None) == ""
    assert printable(1500) == "1500"
    assert printable("a\x00b\x7fc\x85d\r") == "a\ufffdb\ufffdc\ufffdd\ufffd"
