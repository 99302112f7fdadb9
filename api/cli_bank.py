"""``lbx import bank FILE``: import a bank statement from the command line.

It runs the same import as ``POST /v1/bank-statements`` (see :mod:`api.bank_directory`)
and prints the same report: the counts, every line with what became of it, the file's
warnings and any balance that does not add up. Importing is idempotent by content, so a
run that was interrupted is resumed by running it again on the same file.

``bank_queue`` works the unmatched queue as ``POST /v1/bank-payments/{id}/resolution``
and ``…/dismissal`` do, with the same commands (``--not-a-duplicate`` is the API's
``not_a_duplicate``).
"""

from __future__ import annotations

from pathlib import Path  # noqa: TC003  (typer reads it at runtime)
from typing import TYPE_CHECKING, Annotated
from uuid import UUID  # noqa: TC003  (typer reads it at runtime)

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.text import Text

from api.bank_directory import import_bank_file
from api.cli_support import (
    actor,
    add_row,
    context,
    customer_id,
    err,
    fail,
    out,
    printable,
    services,
    table,
)
from commands.dismiss_bank_payment import DismissBankPayment
from commands.dispatch import dispatch
from commands.resolve_bank_payment import ResolveBankPayment

if TYPE_CHECKING:
    from commands.import_bank_statement import ImportReport

imports = typer.Typer(no_args_is_help=True, help="Import files: bank statements.")
bank_queue = typer.Typer(no_args_is_help=True,
                         help="Work the queue of bank lines: resolve or dismiss them.")

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
        out().print(Text(printable(f"skipped as {reason}: {count}"), style="dim"))
    grid = table("Lines", "Booked", "No.", "Amount", "Dir", "Payer", "ИНН", "Status",
                 "Score", "Reason")
    for row in report.rows:
        grid.add_row(*(Text(printable(v or "")) for v in (
            row.booked_on, row.number, f"{row.amount} {row.currency}", row.direction,
            row.payer_name, row.payer_inn)),
            Text(row.status, style=_STYLES.get(row.status, "")),
            Text(str(row.score) if row.score else ""), Text(printable(row.reason)))
    if report.rows:
        out().print(grid)
    for warning in report.warnings:
        err().print(Text(printable(f"warning: {warning}"), style="yellow"))
    for problem in report.balance_problems:
        err().print(Text(printable(f"balance: {problem}"), style="bold yellow"))


Reason = Annotated[str, typer.Option(help="Why (recorded with the decision).")]


@bank_queue.command("resolve")
def resolve_bank_line(
    line: Annotated[UUID, typer.Argument(help="The queued bank line's id.")],
    customer: Annotated[str, typer.Argument(help="The customer's id or external key.")],
    *,
    reason: Reason,
    invoice: Annotated[list[str] | None, typer.Option(
        help="An invoice id to settle (repeat for several); default: the oldest open.")
    ] = None,
    existing_payment: Annotated[str | None, typer.Option(
        help="Link the line to this payment typed in by hand instead (no new money).")
    ] = None,
    not_a_duplicate: Annotated[bool, typer.Option(
        "--not-a-duplicate",
        help="Record it although the book holds a payment typed in by hand like it.")
    ] = False,
) -> None:
    """Assign a queued bank line to a customer: the payment lands on their book."""
    with services() as s:
        outcome = dispatch(ResolveBankPayment.model_validate({
            "bank_payment_id": line, "customer_id": customer_id(customer),
            "invoice_ids": invoice or [], "existing_payment_id": existing_payment,
            "reason": reason, "not_a_duplicate": not_a_duplicate}), context(), s.runtime)
    out().print(f"resolved: payment {outcome.result['payment_id']}"
                f" of customer {outcome.result['customer_id']}", soft_wrap=True)


@bank_queue.command("dismiss")
def dismiss_bank_line(
    line: Annotated[UUID, typer.Argument(help="The queued bank line's id.")], reason: Reason,
) -> None:
    """Take a queued bank line off the queue: it is not a customer's payment."""
    with services() as s:
        dispatch(DismissBankPayment(bank_payment_id=line, reason=reason), context(), s.runtime)
    out().print(f"dismissed: {line}", soft_wrap=True)
