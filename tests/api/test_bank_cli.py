"""``lbx import bank FILE``: the import report on the terminal, idempotent by content."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app
from commands.record_payment import RecordPayment
from tests.api.test_cli import cli_env, lbx
from tests.support.bank import billed, paid, run_import, sample, statement
from tests.support.dsl import send
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


def test_a_queued_line_like_a_typed_in_payment_is_resolved_only_with_not_a_duplicate(
    tmp_path: Path,
) -> None:
    env = env_of(tmp_path)
    services = bootstrap({"LBX_DATA_DIR": str(tmp_path / "var")})
    try:
        romashka = billed(services, "romashka")
        send(services, RecordPayment.model_validate({
            "customer_id": romashka.customer_id, "amount": "10000.00", "currency": "RUB",
            "received_on": "2026-01-11", "payment_id": "pp-17", "reference": "п/п 17"}))
        (row,) = run_import(services, statement(
            paid("17", "10000.00", "Оплата услуг", inn="500100732259"))).rows
    finally:
        services.close()
    args = ["bank", "resolve", str(row.bank_payment_id), "romashka", "--reason", "director paid"]

    refused = CliRunner().invoke(app, args, env=env)
    recorded = CliRunner().invoke(app, [*args, "--not-a-duplicate"], env=env)

    assert refused.exit_code == 1
    assert "looks like payment pp-17 of 2026-01-11" in refused.output
    assert recorded.exit_code == 0, recorded.output
    assert "resolved: payment bank:" in recorded.output


def test_a_payer_name_with_control_characters_never_reaches_the_terminal(
    tmp_path: Path,
) -> None:
    hostile = [line.replace('Плательщик1=ООО "Ромашка"', 'Плательщик1=ООО \x1b[2J"Ромашка"\x07')
               for line in paid("9", "5.00", "Оплата", inn="5000000000")]
    file = tmp_path / "hostile.txt"
    file.write_bytes(statement(hostile))

    result = lbx(env_of(tmp_path), "import", "bank", str(file), "--own-account", OUR_ACCOUNT)

    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "\x07" not in result.output
    assert "\ufffd[2J" in result.output
