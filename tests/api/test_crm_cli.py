"""``lbx crm``: the webhook URLs and the customer import, as an operator runs them.

The CLI builds its services from the environment, like the server; these run on SQLite in
a fresh folder (the command layer underneath is covered on both backends elsewhere).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.testing import CliRunner

from api.bootstrap import bootstrap
from api.crm.cli import crm
from api.crm.common import url_secret
from ledger.customers import customer_id_for

if TYPE_CHECKING:
    from pathlib import Path

CSV = "Наименование;ИНН;Внешний ключ\nООО Ромашка;7707049388;CRM-1\nООО Ошибка;123;CRM-2\n"


def env_of(tmp_path: Path) -> dict[str, str | None]:
    return {"LBX_DATA_DIR": str(tmp_path / "var"), "LBX_DATABASE_URL": None,
            "LBX_SECRET_KEY": "cli-test-secret", "COLUMNS": "200"}


def test_the_urls_carry_the_secrets_the_server_checks(tmp_path: Path) -> None:
    env = env_of(tmp_path)
    result = CliRunner().invoke(crm, ["urls", "--base-url", "https://lbx.example/"], env=env)
    assert result.exit_code == 0, result.output
    services = bootstrap({k: v for k, v in env.items() if v is not None})
    try:
        secret = url_secret(services.settings, "amocrm")
    finally:
        services.close()
    assert f"amocrm\thttps://lbx.example/v1/crm/amocrm/{secret}" in result.output.splitlines()


def test_import_previews_then_applies_with_confirm(tmp_path: Path) -> None:
    env = env_of(tmp_path)
    file = tmp_path / "clients.csv"
    file.write_text(CSV, encoding="utf-8")
    preview = CliRunner().invoke(crm, ["import", str(file)], env=env)
    assert preview.exit_code == 0, preview.output
    assert "create" in preview.output
    assert "inn:" in preview.output
    assert "Nothing was written" in preview.output
    applied = CliRunner().invoke(crm, ["import", str(file), "--confirm"], env=env)
    assert applied.exit_code == 0, applied.output
    assert "created" in applied.output
    assert "skipped" in applied.output
    services = bootstrap({k: v for k, v in env.items() if v is not None})
    try:
        assert services.ledger.exists(customer_id_for("CRM-1"))
        assert not services.ledger.exists(customer_id_for("CRM-2"))
    finally:
        services.close()
