"""``lbx import bank FILE``: the import report on the terminal, idempotent by content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.bootstrap import bootstrap
from tests.api.test_cli import cli_env, lbx
from tests.support.bank import billed, paid, sample, statement
from tests.unit.bankfiles.samples import KL_TO_1C, OUR_ACCOUNT

if TYPE_CHECKING:
    from pathlib import Path

    from tests.api.test_cli import Env


def env_of(tmp_path: Path, **extra: str) -> Env:
    return cli_env({"LBX_DATA_DIR": str(tmp_path / "var"), **extra})


def test_a_statement_is_imported_and_reported(tmp_path: Path) -> None:
    env = env_of(tmp_path)
    services = bootstrap({"LBX_DATA_DIR": str(tmp_path / "var")})
    try:
        romashka = billed(services, "romashka")
    finally:
        services.close()
    file = tmp_path / "kl_to_1c.txt"
    file.write_bytes(statement(paid("7", romashka.total, f"Оплата по счету {romashka.number}"),
                               paid("8", "5.00", "Оплата", inn="5000000000")))

    first = lbx(env, "import", "bank", str(file), "--own-account", OUR_ACCOUNT)
    second = lbx(env, "import", "bank", str(file), "--own-account", OUR_ACCOUNT)

    assert first.exit_code == 0, first.output
    assert "matched" in first.output
    assert "amount equals open 10 000.00" in first.output
    assert "no customer has ИНН 5000000000" in first.output
    assert second.exit_code == 0, second.output
    assert second.output.count("duplicate") == 2


def test_our_accounts_default_to_the_environment(tmp_path: Path) -> None:
    file = tmp_path / "kl_to_1c.txt"
    file.write_bytes(sample(KL_TO_1C))

    result = lbx(env_of(tmp_path, LBX_OWN_ACCOUNTS="40702810000000074935"),
                 "import", "bank", str(file))

    assert result.exit_code == 0, result.output
    assert "skipped as not our account: 1" in result.output
    assert "skipped as bank fee: 1" in result.output


def test_an_unreadable_file_exits_1_with_the_reason(tmp_path: Path) -> None:
    file = tmp_path / "letter.txt"
    file.write_bytes(b"Dear customer,\nyour statement is attached.\n")

    result = lbx(env_of(tmp_path), "import", "bank", str(file))

    assert result.exit_code == 1
    assert "not a bank statement format we read" in result.output
