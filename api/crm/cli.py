"""``lbx crm``: the CRM webhook URLs, and the customer-list import from a terminal.

``lbx crm urls`` prints what ``GET /v1/crm/webhooks`` answers an admin: the secrets are
derived from the installation secret the CLI reads from the same environment as the server.
``lbx crm import FILE`` previews a customer list; ``--confirm`` applies it, through the same
functions as the HTTP routes and the web workspace (``api/imports.py``).
"""

from __future__ import annotations

from pathlib import Path  # noqa: TC003  (typer reads it at runtime)
from typing import Annotated

import typer

from api.cli_support import actor, add_row, out, services, table
from api.crm.common import webhook_urls
from api.imports import apply_customers, preview_customers

crm = typer.Typer(no_args_is_help=True, help="CRM in: webhook URLs and the customer import.")


@crm.command("urls")
def urls(
    base_url: Annotated[str, typer.Option(help="Where the CRM reaches LBX.")] = (
        "http://127.0.0.1:8000"),
) -> None:
    """Print the webhook URLs to paste into amoCRM and Bitrix24 (they carry a secret)."""
    with services() as s:
        found = webhook_urls(s.settings, base_url)
    for system, url in found.items():
        typer.echo(f"{system}\t{url}")


@crm.command("import")
def import_customers(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    confirm: Annotated[bool, typer.Option(help="Apply the valid rows (else preview).")] = False,
) -> None:
    """Preview a CSV or XLSX customer list, or with --confirm apply its valid rows."""
    data = file.read_bytes()
    with services() as s:
        preview = preview_customers(s, file.name, data)
        report = apply_customers(s, preview, actor()) if confirm else None
    grid = table(f"{file.name}: {'applied' if report else 'preview'}",
                 "Row", "Name", "Action", "Details")
    outcomes = {row["row"]: row["outcome"] for row in report.rows} if report else {}
    for row in preview.rows:
        details = "; ".join(f"{e['field']}: {e['message']}" for e in row.errors) or ", ".join(
            sorted(row.changes))
        add_row(grid, row.row, row.name, outcomes.get(row.row, row.action), details)
    out().print(grid)
    if report is None:
        out().print("Nothing was written; run again with --confirm to apply the valid rows.")
