"""The billing CLI: bill runs, catalog files, the scheduler's daily tick, the demo company."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from api.cli import app
from api.scheduler import DailyScheduler
from commands.start_subscription import StartSubscription
from projections import queries
from tests.scenarios.support import flat_tariff
from tests.support.dsl import publish, register, send

if TYPE_CHECKING:
    from pathlib import Path

    from api.bootstrap import Services

CATALOG = """tariffs:
  - code: start
    definition:
      name: Start
      currency: RUB
      components:
        - {code: base, name: Fee, kind: flat, price: "1000.00"}
"""


def test_catalog_files_round_trip_through_the_cli(tmp_path: Path) -> None:
    env = {"LBX_DATA_DIR": str(tmp_path / "var"), "LBX_DATABASE_URL": ""}
    source = tmp_path / "catalog.yaml"
    source.write_text(CATALOG, encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(app, ["tariffs", "import", str(source)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "start: version 1" in imported.output
    target = tmp_path / "out.json"
    exported = runner.invoke(app, ["tariffs", "export", str(target)], env=env)
    assert exported.exit_code == 0, exported.output
    assert '"price": "1000.00"' in target.read_text(encoding="utf-8")


def test_a_bill_run_from_the_cli_then_again_bills_nothing_more(
    services: Services, backend_env: dict[str, str]
) -> None:
    publish(services, "plan", flat_tariff("100.00", currency="RUB"))
    customer = register(services, "C-1")
    send(services, StartSubscription(customer_id=customer, tariff_code="plan",
                                     start_date=date(2026, 1, 1)))
    runner = CliRunner()
    env = {"LBX_DATABASE_URL": "", **backend_env}
    first = runner.invoke(app, ["bill", "run", "--as-of", "2026-01-01"], env=env)
    assert first.exit_code == 0, first.output
    assert "1 invoice(s) issued" in first.output
    again = runner.invoke(app, ["bill", "run", "--as-of", "2026-01-01"], env=env)
    assert "0 invoice(s) issued" in again.output


def test_the_scheduler_bills_once_per_business_day(services: Services) -> None:
    publish(services, "plan", flat_tariff("100.00", currency="RUB"))
    customer = register(services, "C-1")
    send(services, StartSubscription(customer_id=customer, tariff_code="plan",
                                     start_date=date(2026, 1, 15), anchor_day=1))
    scheduler = DailyScheduler(services)
    assert scheduler.tick()
    assert not scheduler.tick()  # the same day again: nothing to do
    services.runtime.clock.current = datetime(2026, 2, 1, 9, tzinfo=UTC)  # type: ignore[attr-defined]
    assert scheduler.tick()
    invoices = services.ledger.customer(customer).state.invoices
    assert len(invoices) == 2


def test_the_demo_company_loads_into_an_empty_database_only(tmp_path: Path) -> None:
    from api.auth import authenticate
    from api.bootstrap import bootstrap
    from api.demo import demo_token, load_demo
    from ledger.access import Role
    from projections import queries

    services = bootstrap({"LBX_DATA_DIR": str(tmp_path / "var")})
    try:
        assert load_demo(services, date(2026, 11, 30))
        assert not load_demo(services, date(2026, 11, 30))
        services.runner.catch_up()
        assert len(queries.customers(services.store, limit=100).items) == 50
        assert queries.debt_totals(services.store)[0]["debtors"] > 5
        (aging,) = queries.aging(services.store, as_of=date(2026, 11, 30))["totals"]
        buckets = ("current", "days_1_30", "days_31_60", "days_61_90", "days_over_90")
        assert all(aging[bucket] > 0 for bucket in buckets), aging
        statuses = {r["status"] for r in queries.customers(services.store, limit=100).items}
        assert "suspended" in statuses
        assert authenticate(services, demo_token(Role.ACCOUNTANT)).role is Role.ACCOUNTANT
        assert len(queries.tariffs(services.store)) == 3
    finally:
        services.close()


def test_the_readme_shows_the_demo_keys_that_work() -> None:
    from pathlib import Path

    from api.demo import demo_token
    from ledger.access import Role

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for role in (Role.SERVICE, Role.ACCOUNTANT, Role.AUDITOR):
        assert demo_token(role) in readme


def test_a_simulated_year_shows_in_invoices_debts_and_mrr(
    services: Services, backend_env: dict[str, str]
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from commands.issue_api_key import IssueApiKey
    from commands.publish_dunning_policy import PublishDunningPolicy
    from ledger.access import Role

    send(services, PublishDunningPolicy(steps=[{"days_after_due": 3, "action": "remind"}]))
    publish(services, "plan", flat_tariff("1000.00", currency="RUB"))
    for n in range(3):
        customer = register(services, f"C-{n}")
        send(services, StartSubscription(customer_id=customer, tariff_code="plan",
                                         start_date=date(2026, 1, 1)))
    env = {"LBX_DATABASE_URL": "", **backend_env}
    result = CliRunner().invoke(app, [
        "bill", "simulate", "--from", "2026-01-01", "--until", "2026-12-31", "--dunning"], env=env)
    assert result.exit_code == 0, result.output
    assert "36 invoice(s) issued, 36 dunning step(s) taken" in result.output
    token = send(services, IssueApiKey(name="acc", role=Role.ACCOUNTANT)).result["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(services)) as client:
        invoices = client.get("/v1/invoices?limit=500&wait_for=100000", headers=headers).json()
        assert len(invoices["items"]) == 36
        debts = client.get("/v1/debts", headers=headers).json()
        assert debts["totals"] == [{"currency": "RUB", "debt": "36000.00", "debtors": 3}]
        mrr = client.get("/v1/reports/mrr?from=2026-01&to=2026-12", headers=headers)
        assert mrr.status_code == 200, mrr.text
        assert "3000.00" in mrr.text


def test_a_simulated_year_forecasts_billing_without_dunning_unpaid_customers_away(
    services: Services, backend_env: dict[str, str]
) -> None:
    # given the default dunning policy (suspend at 30 days, cancel at 90) and no payments
    publish(services, "plan", flat_tariff("1000.00", currency="RUB"))
    customer = register(services, "C-1")
    send(services, StartSubscription(customer_id=customer, tariff_code="plan",
                                     start_date=date(2026, 1, 1)))
    result = CliRunner().invoke(app, [
        "bill", "simulate", "--from", "2026-01-01", "--until", "2026-12-31"],
        env={"LBX_DATABASE_URL": "", **backend_env})
    assert result.exit_code == 0, result.output
    assert "12 invoice(s) issued, no dunning" in result.output
    services.runner.catch_up()
    december = queries.mrr_movements(services.store, "2026-12", "2026-12")[0]
    assert december["closing"] == 100000
    assert services.ledger.customer(customer, fresh=True).state.status.value == "active"


@pytest.mark.parametrize(("args", "why"), [
    (("bill", "run", "--as-of", "31.01.2026"), "expected an ISO-8601 date"),
    (("bill", "run", "--as-of", "9999-12-31", "--dry-run"), "must lie between 2000-01-01"),
    (("bill", "simulate", "--until", "next-month"), "expected an ISO-8601 date"),
    (("bill", "simulate", "--until", "2026-02-01", "--from", "1999-12-31"),
     "must lie between 2000-01-01"),
])
def test_a_date_option_is_an_iso_date_of_this_century_like_in_api_bodies(
    tmp_path: Path, args: tuple[str, ...], why: str
) -> None:
    env = {"LBX_DATA_DIR": str(tmp_path / "var"), "LBX_DATABASE_URL": "", "COLUMNS": "200"}
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Invalid value" in result.output
    assert why in result.output


def test_a_broken_catalog_file_is_an_error_line_not_a_traceback(tmp_path: Path) -> None:
    env = {"LBX_DATA_DIR": str(tmp_path / "var"), "LBX_DATABASE_URL": "", "COLUMNS": "200"}
    broken = tmp_path / "catalog.yaml"
    broken.write_text("tariffs:\n- code: start\n  definition:\n    price: 10.5\n",
                      encoding="utf-8")
    result = CliRunner().invoke(app, ["tariffs", "import", str(broken)], env=env)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "error: tariffs.0.definition.price: 10.5 is a float" in result.output
