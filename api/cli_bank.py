"""``lbx import bank FILE``: import a bank statement from the command line.

It runs the same import as ``POST /v1/bank-statements`` (see :mod:`api.bank_directory`)
and prints the same report: the counts, every line with what became of it, the file's
warnings and any balance that does not add up. Importing is idempotent by content, so a
run that was interrupted is resumed by running it again on the same file.
"""

from __future__ import annotations

from pathlib import Path  # noqa: TC003  (typer reads it at runtime)
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from api.bank_directory import import_bank_file
from api.cli_support import actor, add_row, err, fail, out, services, table

if TYPE_CHECKING:
    from commands.import_bank_statement import ImportReport

imports = typer.Typer(no_args_is_help=True, help="Import files: bank statements.")

_STYLES = {"matched": "green", "unmatched": "yellow", "ambiguous": "yellow",
           "skipped": "dim", "duplicate": "dim"}


@imports.command("bank")
def import_bank(
    file: Annotated[Path, typer.Argument(
        exists=True, dir_okay=False, readable=True,
        help="The statement: 1CClientBankExchange, camt.053, MT940 or LBX CSV.")],
    own_account: Annotated[list[str] | None, typer.Option(
        help="One of our accounts (repeat for several); default: LBX_OWN_ACCOUNTS.")] = None,
    own_inn: Annotated[str | None, typer.Option(
        help="Our ИНН, to skip transfers between our own accounts; default: LBX_OWN_INN.")
    ] = None,
    batch_size: Annotated[int, typer.Option(
        min=1, max=1000, help="Lines saved per transaction.")] = 100,
) -> None:
    """Record every line of a bank statement once and match incoming payments to customers.

    Lines imported before (from this file or an overlapping export) are reported as
    duplicates; unmatched and ambiguous payments wait in the queue for an accountant.
    """
    try:
        data = file.read_bytes()
    except OSError as error:
        raise fail(f"cannot read {file}: {error}") from None
    with services() as s, Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), console=err(),
        transient=True,
    ) as bar:
        task = bar.add_task("lines", total=None)
        report = import_bank_file(
            s, data, actor=actor(), source="import", filename=file.name,
            own_accounts=own_account or None, own_inn=own_inn, batch_size=batch_size,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    print_report(report)


def print_report(report: ImportReport) -> None:
    """Print the counts, the lines, the warnings and the balance problems."""
    counts = report.counts()
    summary = table(f"{report.filename or 'statement'} ({report.format},"
                    f" sha256 {report.file_sha256[:12]}…)", "Lines", "Accepted", "Matched",
                    "Unmatched", "Ambiguous", "Skipped", "Duplicates")
    add_row(summary, *(counts[k] for k in ("lines", "accepted", "matched", "unmatched",
                                           "ambiguous", "skipped", "duplicates")))
    out().print(summary)
    for reason, count in counts["skipped_reasons"].items():
        out().print(Text(f"skipped as {reason}: {count}", style="dim"))
    grid = table("Lines", "Booked", "No.", "Amount", "Dir", "Payer", "ИНН", "Status",
                 "Score", "Reason")
    for row in report.rows:
        grid.add_row(*(Text(str(v or "")) for v in (
            row.booked_on, row.number, f"{row.amount} {row.currency}", row.direction,
            row.payer_name, row.payer_inn)),
            Text(row.status, style=_STYLES.get(row.status, "")),
            Text(str(row.score) if row.score else ""), Text(row.reason))
    if report.rows:
        out().print(grid)
    for warning in report.warnings:
        err().print(Text(f"warning: {warning}", style="yellow"))
    for problem in report.balance_problems:
        err().print(Text(f"balance: {problem}", style="bold yellow"))
