"""``lbx export 1c``: write a period's sales and payments for 1C to a file.

The same export as ``GET /v1/accounting/1c/export.xml|.xlsx`` (see :mod:`api.accounting`):
the file states its cut-off, and the command prints it, so that the same command with
``--as-known-at`` writes the very same bytes later.
"""

from __future__ import annotations

from datetime import date, datetime  # noqa: TC003  (typer reads them at runtime)
from pathlib import Path  # noqa: TC003  (typer reads it at runtime)
from typing import Annotated, Literal

import typer

from api.accounting import export_1c_xlsx, export_1c_xml, export_period, export_register
from api.cli_support import fail, out, services

exports = typer.Typer(no_args_is_help=True, help="Export files: 1C:Бухгалтерия.")


@exports.callback()
def group() -> None:
    """Export files (a group even with one command, so ``lbx export 1c`` stays the name)."""


@exports.command("1c")
def export_1c(
    period_from: Annotated[datetime, typer.Option(
        "--from", formats=["%Y-%m-%d"], help="First business date, YYYY-MM-DD.")],
    period_to: Annotated[datetime, typer.Option(
        "--to", formats=["%Y-%m-%d"], help="Last business date (included), YYYY-MM-DD.")],
    output: Annotated[Path, typer.Option(
        "--output", "-o", dir_okay=False, help="Where to write; .xml or .xlsx picks the kind.")],
    as_known_at: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%dT%H:%M:%S%z"],
        help="Recorded-time cut-off with a zone, e.g. 2026-02-06T00:00:00+0300; default: "
             "the period's end plus 5 days (or now).")] = None,
    payments: Annotated[bool, typer.Option(
        help="Put payments in the XML (--no-payments when 1C gets them from the bank).")
    ] = True,
) -> None:
    """Write the EnterpriseData XML (to load into 1C) or the accountant's XLSX workbook."""
    kind: Literal["xml", "xlsx"] | None = (
        "xml" if output.suffix == ".xml" else "xlsx" if output.suffix == ".xlsx" else None)
    if kind is None:
        raise fail(f"{output}: name the file .xml (for 1C) or .xlsx (for the accountant)")
    first: date = period_from.date()
    last: date = period_to.date()
    with services() as s:
        period = export_period(s, first, last, as_known_at)
        content = (export_1c_xml(s, first, last, period.as_known_at, payments=payments)
                   if kind == "xml" else export_1c_xlsx(s, first, last, period.as_known_at))
        late = export_register(s, period).late_records
    try:
        output.write_bytes(content)
    except OSError as error:
        raise fail(f"cannot write {output}: {error}") from None
    state = "preliminary" if period.preliminary else "closed"
    out().print(f"{output}: {period.date_from} … {period.date_to}, as known at "
                f"{period.local_cutoff().isoformat()} ({state}), {len(content)} bytes"
                + (f"; {late} record(s) dated in the period came after the cut-off: "
                   "export again with a later --as-known-at" if late else ""))
