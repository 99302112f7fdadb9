"""The ``lbx`` command line: each command against real storage, as an operator would run it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest
from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.cli import app
from commands.record_payment import RecordPayment
from ledger.access import KEY_RING_ID
from projections import all_projections
from tests.support.dsl import register, send

if TYPE_CHECKING:
    from uuid import UUID

    from typer.testing import Result

Env = dict[str, str | None]


@pytest.fixture
def env(tmp_path: Path) -> Env:
    """SQLite in a fresh folder, whatever the developer's shell says, and a wide terminal."""
    return cli_env({"LBX_DATA_DIR": str(tmp_path / "var")})


def cli_env(backend: dict[str, str]) -> Env:
    return {"LBX_DATABASE_URL": None, "LBX_WORKER": None, "COLUMNS": "200", **backend}


def lbx(env: Env, *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def seed(env: Env, key: str = "C-1") -> UUID:
    """A customer registered through dispatch, who has paid 1500.00 RUB."""
    services = bootstrap({k: v for k, v in env.items() if v is not None})
    try:
        customer = register(services, key, name="ООО Ромашка", inn="7707083893")
        send(services, RecordPayment(customer_id=customer, amount="1500.00", currency="RUB"))
    finally:
        services.close()
    return customer


def tamper(env: Env, customer: UUID, version: int) -> None:
    """Change a stored payment's amount behind the ledger's back."""
    path = Path(str(env["LBX_DATA_DIR"])) / "lbx-events.sqlite"
    with sqlite3.connect(path) as db:
        where = "WHERE originator_id = ? AND originator_version = ?"
        (blob,) = db.execute(f"SELECT state FROM stored_events {where}",
                             (customer.hex, version)).fetchone()
        state = orjson.loads(blob)
        state["amount"]["minor"] = 1
        db.execute(f"UPDATE stored_events SET state = ? {where}",
                   (orjson.dumps(state), customer.hex, version))
    db.close()


def test_an_issued_key_is_listed_without_its_secret_and_can_be_revoked(
    backend_env: dict[str, str],
) -> None:
    env = cli_env(backend_env)
    issued = lbx(env, "keys", "issue", "crm-sync", "service")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip().splitlines()[-1]
    _, key_id, secret = token.split("_", 2)
    assert "cannot show it again" in issued.stderr

    listed = lbx(env, "keys", "list")
    assert listed.exit_code == 0, listed.output
    assert key_id in listed.stdout
    assert "crm-sync" in listed.stdout
    assert "service" in listed.stdout
    assert secret not in listed.stdout

    revoked = lbx(env, "keys", "revoke", key_id, "--reason", "rotated")
    assert revoked.exit_code == 0, revoked.output
    assert "yes" in lbx(env, "keys", "list").stdout


def test_cli_commands_are_recorded_as_the_os_user(env: Env) -> None:
    lbx(env, "keys", "issue", "ops", "admin")
    services = bootstrap({k: v for k, v in env.items() if v is not None})
    try:
        events = services.ledger.history(KEY_RING_ID)
    finally:
        services.close()
    assert {e.meta.actor.split(":")[0] for e in events} == {"cli"}
    assert {e.meta.source for e in events} == {"cli"}


def test_a_registered_customer_shows_in_customers_and_history(
    backend_env: dict[str, str],
) -> None:
    env = cli_env(backend_env)
    customer = seed(env)

    listed = lbx(env, "customers", "--search", "7707083893")
    assert listed.exit_code == 0, listed.output
    assert "C-1" in listed.stdout
    assert "7707083893" in listed.stdout
    assert "-1500.00 RUB" in listed.stdout

    for name in ("C-1", str(customer)):
        timeline = lbx(env, "history", name)
        assert timeline.exit_code == 0, timeline.output
        assert "Customer registered" in timeline.stdout
        assert "1500.00 RUB" in timeline.stdout


def test_customers_filters_by_status(env: Env) -> None:
    seed(env)
    assert "C-1" not in lbx(env, "customers", "--status", "suspended").stdout
    assert "No customers match" in lbx(env, "customers", "--search", "nobody").stdout


def test_replay_shows_the_book_as_of_a_version(env: Env) -> None:
    seed(env)
    now = lbx(env, "replay", "C-1")
    assert now.exit_code == 0, now.output
    assert "as of version 2" in now.stdout
    assert "1500.00" in now.stdout

    then = lbx(env, "replay", "C-1", "--version", "1")
    assert "as of version 1" in then.stdout
    assert "Balances: none." in then.stdout

    before = lbx(env, "replay", "C-1", "--at", "2000-01-01T00:00:00Z")
    assert before.exit_code == 0
    assert "Nothing was recorded" in before.stdout


@pytest.mark.parametrize("args", [
    ("--version", "1", "--effective-on", "2026-01-01"),
    ("--at", "2026-01-01T00:00:00"),
    ("--effective-on", "January"),
])
def test_replay_refuses_an_unclear_point_in_time(env: Env, args: tuple[str, ...]) -> None:
    result = lbx(env, "replay", "C-1", *args)
    assert result.exit_code == 2
    assert "Invalid value" in result.output


def test_verify_passes_then_names_the_version_altered_behind_the_ledgers_back(env: Env) -> None:
    customer = seed(env)
    seed(env, "C-2")
    intact = lbx(env, "verify")
    assert intact.exit_code == 0, intact.output
    assert "2 chain(s), 4 events" in intact.stdout

    tamper(env, customer, version=2)
    every = lbx(env, "verify")
    assert every.exit_code == 1
    assert f"customer {customer}, first broken version 2" in every.stderr
    one = lbx(env, "verify", "C-1")
    assert one.exit_code == 1
    assert "first broken version 2: content does not match its hash" in one.stderr
    assert lbx(env, "verify", "C-2").exit_code == 0


def test_verify_names_a_customer_whose_registration_was_deleted(env: Env) -> None:
    customer = seed(env)
    seed(env, "C-2")
    path = Path(str(env["LBX_DATA_DIR"])) / "lbx-events.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 1",
                   (customer.hex,))
    db.close()

    every = lbx(env, "verify")

    assert every.exit_code == 1, every.output
    assert (f"customer {customer}, first broken version 1: version 2 out of sequence"
            in every.stderr)


def test_projections_status_rebuild_and_catch_up(env: Env) -> None:
    seed(env)
    caught_up = lbx(env, "projections", "catch-up")
    assert caught_up.exit_code == 0, caught_up.output
    rebuilt = lbx(env, "projections", "rebuild", "customers")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Rebuilt customers" in rebuilt.stdout
    status = lbx(env, "projections", "status")
    assert status.exit_code == 0
    assert "timeline" in status.stdout
    assert "C-1" in lbx(env, "customers").stdout


def test_an_unknown_projection_is_refused_with_the_names_to_choose_from(env: Env) -> None:
    result = lbx(env, "projections", "rebuild", "nope")
    assert result.exit_code == 1
    assert "no projection 'nope'" in result.stderr
    for projection in all_projections():
        assert projection.name in result.stderr


@pytest.mark.parametrize("command", ["history", "replay", "verify"])
def test_an_unknown_customer_exits_1_with_a_message(env: Env, command: str) -> None:
    result = lbx(env, command, "NO-SUCH-KEY")
    assert result.exit_code == 1
    assert "no customer NO-SUCH-KEY" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_refused_command_exits_1_naming_the_field(env: Env) -> None:
    lbx(env, "keys", "issue", "ops", "admin")
    result = lbx(env, "keys", "revoke", "whatever", "--reason", "x")
    assert result.exit_code == 1
    assert "reason:" in result.stderr
    missing = lbx(env, "keys", "revoke", "nokey", "--reason", "gone")
    assert missing.exit_code == 1
    assert "no key nokey" in missing.stderr


def test_serve_documents_its_options() -> None:
    result = CliRunner().invoke(app, ["serve", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for option in ("--host", "--port", "--no-worker"):
        assert option in result.stdout


def test_unusable_storage_exits_1_naming_the_setting(tmp_path: Path) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a folder")
    result = lbx(cli_env({"LBX_DATA_DIR": str(occupied)}), "customers")
    assert result.exit_code == 1
    assert "check LBX_DATA_DIR" in result.stderr
