"""``lbx export 1c``: the same files as the API, written where the accountant asks.

The command group is tested on its own (``api.cli_accounting.exports``): it becomes
``lbx export`` once registered in ``api/cli.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.testing import CliRunner

from api.accounting import export_1c_xlsx, export_1c_xml
from api.cli_accounting import exports
from tests.api.test_export_1c import DEFAULT_CUTOFF, JAN_1, JAN_31, january, sales
from tests.api.test_export_1c import services as services  # noqa: PLC0414  (the fixture)

if TYPE_CHECKING:
    from pathlib import Path

    from api.bootstrap import Services


def run(services: Services, *args: str) -> tuple[int, str]:
    """Run ``lbx export`` against the services' storage (and seller file); code and output."""
    settings = services.settings
    env: dict[str, str | None] = {
        "LBX_DATABASE_URL": settings.database_url, "LBX_DATA_DIR": str(settings.data_dir),
        "LBX_COMPANY_FILE": str(settings.company_file), "LBX_WORKER": None, "COLUMNS": "200"}
    result = CliRunner().invoke(exports, list(args), env=env)
    return result.exit_code, result.output


def test_the_command_writes_the_xml_and_states_its_cutoff(
    services: Services, tmp_path: Path,
) -> None:
    january(services)
    target = tmp_path / "january.xml"
    code, output = run(services, "1c", "--from", "2026-01-01", "--to", "2026-01-31",
                       "-o", str(target))
    assert code == 0, output
    assert DEFAULT_CUTOFF in output
    assert "closed" in output
    assert target.read_bytes() == export_1c_xml(services, JAN_1, JAN_31)
    assert set(sales(target.read_bytes())) == {"LBX-2026-000001", "LBX-2026-000002",
                                               "LBX-2026-000003"}


def test_the_command_writes_the_workbook_as_known_at_a_cutoff(
    services: Services, tmp_path: Path,
) -> None:
    january(services)
    target = tmp_path / "january.xlsx"
    code, output = run(services, "1c", "--from", "2026-01-01", "--to", "2026-01-31",
                       "--as-known-at", "2026-02-06T00:00:00+0300", "-o", str(target))
    assert code == 0, output
    assert target.read_bytes() == export_1c_xlsx(services, JAN_1, JAN_31)


def test_the_command_leaves_payments_out_when_asked(services: Services, tmp_path: Path) -> None:
    january(services)
    target = tmp_path / "sales-only.xml"
    code, output = run(services, "1c", "--from", "2026-01-01", "--to", "2026-01-31",
                       "--no-payments", "-o", str(target))
    assert code == 0, output
    assert target.read_bytes() == export_1c_xml(services, JAN_1, JAN_31, payments=False)


def test_a_bad_request_is_an_error_and_writes_nothing(services: Services, tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    code, output = run(services, "1c", "--from", "2026-01-31", "--to", "2026-01-01",
                       "-o", str(target))
    assert (code, target.exists()) == (1, False)
    assert "the period ends before it starts" in output
    code, output = run(services, "1c", "--from", "2026-01-01", "--to", "2026-01-31",
                       "-o", str(tmp_path / "out.csv"))
    assert code == 1
    assert "name the file .xml" in output
