"""ImportBankStatement: a bank file in, each of its lines recorded once, payments matched.

An import is a fan-out like a bill run: the file is parsed whole first (an unreadable
file raises ``UnreadableStatement`` and nothing is written), then its lines are taken in
batches. Each batch is saved in **one** transaction: a ``BankPayment`` per new line and,
for each line matched to a customer, the payment on that customer's book (a customer with
several payments in the batch is loaded and saved once). A lost race reloads and decides
the batch again.

No client key is needed to make this idempotent: a line's ``BankPayment`` id is derived
from its dedup key, so a line already imported — by this file earlier, by a run that was
killed half-way, or by an overlapping export — is found and counted as a duplicate, and
if two imports race, the loser's save fails on that id and its retry sees the duplicates.
Re-running the same file is therefore how a killed import resumes. A line is looked up
under its current key and under the keys older versions gave it (``legacy_keys``).

Provenance: every event of one import (each batch, each retry) carries the import's
correlation id (the context's), and a payment a line puts on a book names that line's
``BankPayment`` id as its causation id.

One exception to "a duplicate is left alone": a line recorded as skipped for a reason the
settings decide (not our account, an internal transfer by our ИНН) is classified again
with this import's settings, and if that now makes it a payment (or sends it to the
queue), ``BankPaymentReclassified`` records the change and the payment is made as for a
new line. A reversal that takes back a credit goes to the queue naming the reversed line
when the import finds it (same reference, payer, amount and purpose, booked up to a month
earlier).

Matching reads a :class:`ledger.banking_match.Directory` the caller supplies (the API
answers it from the views); it only *finds* candidates. Whether money lands on a book is
decided by the customer aggregate, which refuses what it must (a currency mismatch, a
closed book): such a line goes to the queue with the book's reason instead. So does a line
the book already holds a payment typed in by hand like: it is never paid twice.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

from commands.base import Command
from ledger.application import BATCH_LOCK_WAIT, WriteConflict
from ledger.bankfiles import dedup_key, parse_statement
from ledger.bankfiles.dedup import legacy_keys, reversed_credit_keys
from ledger.banking import (
    BankPayment,
    BankPaymentStatus,
    bank_payment_id,
    classify_line,
    payment_id_for,
    payment_reference,
)
from ledger.banking_match import match_line
from ledger.banking_reasons import BOOK_REFUSED, REVERSAL_OF_PAYMENT, REVERSAL_OF_UNPAID_LINE
from ledger.errors import ConcurrencyExhausted, LedgerError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from uuid import UUID

    from commands.base import Context
    from commands.runtime import Runtime
    from ledger.bankfiles import BankLine, Statement
    from ledger.bankfiles.classify import Decision
    from ledger.banking_match import Directory, Match
    from ledger.customers import Customer
    from ledger.events import Provenance

MAX_BATCH_ATTEMPTS = 10
DUPLICATE = "duplicate"

Account = Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=40)]


class ImportBankStatement(Command):
    """Import a bank statement file (1CClientBankExchange, camt.053, MT940 or CSV).

    The file's bytes travel beside the command, not in it. ``own_accounts`` and
    ``own_inn`` say which accounts and which ИНН are the company's own, so that only
    incoming payments from others become payments.
    """

    filename: Annotated[str, Field(max_length=255)] | None = None
    own_accounts: tuple[Account, ...] = ()
    own_inn: Annotated[str, StringConstraints(pattern=r"^(\d{10}|\d{12})$")] | None = None
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 100


@dataclass(frozen=True)
class ReportRow:
    """One line of the file and what the import did with it."""

    bank_payment_id: UUID
    number: str
    booked_on: str
    amount: str
    currency: str
    direction: str
    payer_name: str | None
    payer_inn: str | None
    status: str
    reason: str
    score: int = 0
    customer_id: UUID | None = None
    payment_id: str | None = None


@dataclass
class ImportReport:
    """What an import found in the file and did with each line."""

    file_sha256: str
    format: str
    filename: str | None = None
    encoding: str | None = None
    rows: list[ReportRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    balance_problems: list[str] = field(default_factory=list)

    def count(self, *statuses: str) -> int:
        """How many lines ended in one of ``statuses``."""
        return sum(1 for row in self.rows if row.status in statuses)

    def skipped(self) -> dict[str, int]:
        """Skipped lines by reason."""
        reasons = [row.reason for row in self.rows if row.status == BankPaymentStatus.SKIPPED]
        return {reason: reasons.count(reason) for reason in sorted(set(reasons))}

    def counts(self) -> dict[str, Any]:
        """The totals: lines, accepted (new customer payments), matched, queued, skipped."""
        matched, unmatched, ambiguous = (BankPaymentStatus.MATCHED, BankPaymentStatus.UNMATCHED,
                                         BankPaymentStatus.AMBIGUOUS)
        return {
            "lines": len(self.rows), "accepted": self.count(matched, unmatched, ambiguous),
            "matched": self.count(matched), "unmatched": self.count(unmatched),
            "ambiguous": self.count(ambiguous), "skipped": self.count(BankPaymentStatus.SKIPPED),
            "skipped_reasons": self.skipped(), "duplicates": self.count(DUPLICATE),
        }

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        rows = [{k: (str(v) if k.endswith("_id") and v is not None else v)
                 for k, v in row.__dict__.items()} for row in self.rows]
        return {"file_sha256": self.file_sha256, "filename": self.filename,
                "format": self.format, "encoding": self.encoding, "counts": self.counts(),
                "rows": rows, "warnings": self.warnings,
                "balance_problems": self.balance_problems}


@dataclass(frozen=True)
class _Setup:
    """What every batch of one import shares."""

    statement: Statement
    file_sha256: str
    directory: Directory
    own_accounts: frozenset[str]
    own_inn: str | None
    prefixes: tuple[str, ...]

    def classify(self, line: BankLine) -> Decision:
        """The line's decision under this import's settings.

        With no own accounts configured, the statement's accounts tell internal transfers.
        """
        stated = [balance.account for balance in self.statement.accounts if balance.account]
        return classify_line(line, self.own_accounts, self.own_inn, stated)


def handle(
    command: ImportBankStatement, context: Context, runtime: Runtime, data: bytes,
    directory: Directory, *, progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Run a validated :class:`ImportBankStatement` on ``data`` (see :func:`import_statement`).

    Not in the dispatch table: an import carries bytes and a directory, not just a command.
    """
    return import_statement(
        runtime, context, data, directory, own_accounts=command.own_accounts,
        own_inn=command.own_inn, batch_size=command.batch_size, filename=command.filename,
        progress=progress,
    )


def import_statement(
    runtime: Runtime, context: Context, data: bytes, directory: Directory, *,
    own_accounts: Sequence[str] = (), own_inn: str | None = None, batch_size: int = 100,
    filename: str | None = None, progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import every line of a statement file once, batch by batch.

    ``progress`` is told (lines done, lines in the file) after each batch.

    Raises:
        UnreadableStatement: the bytes are not a statement we can read; nothing is written.
        ConcurrencyExhausted: a batch kept losing races; the batches before it are saved.
    """
    ours = frozenset(own_accounts)
    statement = parse_statement(data, own_accounts=ours)
    sha = hashlib.sha256(data).hexdigest()
    setup = _Setup(statement, sha, directory, ours, own_inn, (runtime.invoice_prefix,))
    report = ImportReport(
        sha, statement.format, filename, statement.encoding, warnings=list(statement.warnings),
        balance_problems=statement.balance_problems(),
    )
    if not ours:
        report.warnings.append("no own accounts configured: the statement's accounts are"
                               " taken as ours")
    lines = list(statement.lines)
    for batch in _batches(lines, batch_size):
        report.rows.extend(_import_batch(runtime, context, batch, setup))
        if progress is not None:
            progress(len(report.rows), len(lines))
    return report


def _batches(lines: list[BankLine], size: int) -> Iterator[list[BankLine]]:
    iterator = iter(lines)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _import_batch(
    runtime: Runtime, context: Context, batch: list[BankLine], setup: _Setup
) -> list[ReportRow]:
    for _ in range(MAX_BATCH_ATTEMPTS):
        plans = _plan_batch(runtime, batch, setup)
        payers = [p.payer for p in plans if p.payer is not None]
        with runtime.ledger.exclusive(*payers, wait=BATCH_LOCK_WAIT):
            provenance = context.provenance(runtime.clock.now())
            rows, aggregates = _decide_batch(runtime, provenance, plans, setup)
            try:
                runtime.ledger.save_all(*aggregates)
            except WriteConflict:
                continue
        return rows
    raise ConcurrencyExhausted("the customers of a batch of bank lines kept changing; retried"
                               " {attempts} times (run the import again)",
                               attempts=MAX_BATCH_ATTEMPTS)


@dataclass(frozen=True)
class _Plan:
    """A line classified and matched before any book is loaded (``decision`` None: a duplicate).

    ``existing``: the line's record when it is a duplicate, or one to classify again;
    ``reverses``: the line whose credit a reversal takes back.
    """

    line: BankLine
    key: str
    decision: Decision | None
    match: Match | None
    existing: BankPayment | None = None
    reverses: BankPayment | None = None

    @property
    def payer(self) -> UUID | None:
        """The customer whose book the line pays: the one it is matched to, if any."""
        return self.match.customer_id if self.match and self.match.status == "matched" else None


def _plan_batch(runtime: Runtime, batch: list[BankLine], setup: _Setup) -> list[_Plan]:
    """Find the duplicates, classify and match every line: which books the batch pays."""
    plans: list[_Plan] = []
    seen: set[str] = set()
    for line in batch:
        key = dedup_key(line)
        if key in seen:
            plans.append(_Plan(line, key, None, None))
            continue
        seen.add(key)
        existing = _recorded(runtime, line, key)
        decision = setup.classify(line)
        if existing is not None and not existing.reclassifiable:
            plans.append(_Plan(line, key, None, None, existing))
            continue
        match = match_line(line, setup.directory, setup.prefixes) if decision.accept else None
        reverses = _reversed(runtime, line) if decision.queue and line.reversal else None
        plans.append(_Plan(line, key, decision, match, existing, reverses))
    return plans


def _recorded(runtime: Runtime, line: BankLine, key: str) -> BankPayment | None:
    """The line's record, under its current key or a key an older version gave it."""
    for candidate in (key, *legacy_keys(line)):
        if runtime.ledger.exists(bank_payment_id(candidate)):
            return runtime.ledger.load(bank_payment_id(candidate), BankPayment)
    return None


def _reversed(runtime: Runtime, line: BankLine) -> BankPayment | None:
    """The recorded credit that a reversal takes back, if one is found."""
    for candidate in reversed_credit_keys(line):
        if runtime.ledger.exists(bank_payment_id(candidate)):
            return runtime.ledger.load(bank_payment_id(candidate), BankPayment)
    return None


def _reversal_decision(decision: Decision, original: BankPayment | None) -> Decision:
    """The queue's reason for a reversal, naming the line (and payment) it takes back."""
    if original is None:
        return decision
    facts, paid = original.state.line, original.state.payment_id
    on = facts.booked_on.isoformat()
    reason = (REVERSAL_OF_PAYMENT.write(number=facts.number, booked_on=on, payment_id=paid)
              if paid else REVERSAL_OF_UNPAID_LINE.write(number=facts.number, booked_on=on))
    return replace(decision, reason=reason)


def _decide_batch(
    runtime: Runtime, provenance: Provenance, plans: list[_Plan], setup: _Setup
) -> tuple[list[ReportRow], list[Any]]:
    """Decide every line of a batch; return the report rows and the aggregates to save."""
    rows: list[ReportRow] = []
    lines: list[BankPayment] = []
    books: dict[UUID, Customer] = {}
    for plan in plans:
        line_id = plan.existing.id if plan.existing else bank_payment_id(plan.key)
        if plan.decision is None:
            rows.append(_row(plan.line, line_id, DUPLICATE, "already imported"))
            continue
        key = plan.existing.state.dedup_key if plan.existing else plan.key
        match = plan.match
        if match is not None and plan.payer is not None:
            # the payment names the bank line it comes from as its cause
            caused = provenance.model_copy(update={"causation_id": line_id})
            match = _pay(runtime, caused, books, plan.line, key=key, match=match)
        if plan.existing is None:
            payment = BankPayment.import_line(
                provenance, line=plan.line, dedup_key=plan.key,
                statement_format=setup.statement.format, file_sha256=setup.file_sha256,
                decision=_reversal_decision(plan.decision, plan.reverses), match=match,
                reverses=plan.reverses.id if plan.reverses else None,
            )
        elif plan.existing.reclassify(provenance, decision=plan.decision, match=match):
            payment = plan.existing
        else:
            rows.append(_row(plan.line, line_id, DUPLICATE, "already imported"))
            continue
        lines.append(payment)
        rows.append(_row_of(plan.line, payment))
    return rows, [*lines, *books.values()]


def _pay(
    runtime: Runtime, provenance: Provenance, books: dict[UUID, Customer], line: BankLine,
    *, key: str, match: Match,
) -> Match:
    """Record the matched payment on the customer's book, or say why the book refused it.

    A payment typed in by hand like it (same money, within three days, not yet claimed by
    a bank line) sends the line to the queue instead: the accountant links or records it.

    Invoices the purpose named but the book holds no open amount on are left out, so
    that the money goes to the oldest open invoices rather than to credit.
    """
    assert match.customer_id is not None  # noqa: S101  (a match names its customer)
    try:
        book = books.get(match.customer_id) or runtime.ledger.customer(match.customer_id,
                                                                       for_update=True)
        twin = book.possible_duplicate(line.amount, line.booked_on, from_bank_line=True)
        if twin is not None:
            return match.held_as_duplicate(twin.payment_id, twin.received_on)
        invoices = book.state.invoices
        named = [i for i in match.invoice_ids if i in invoices and invoices[i].open_minor > 0]
        book.receive_payment(
            provenance, line.booked_on, payment_id=payment_id_for(key), amount=line.amount,
            invoice_ids=named, payer_name=line.counterparty_name,
            payer_inn=line.counterparty_inn, method="bank_transfer",
            reference=payment_reference(line.number, line.booked_on),
            today=runtime.clock.today(),
        )
    except LedgerError as error:
        return match.refused(BOOK_REFUSED.write(detail=error.detail))
    books[match.customer_id] = book
    return match


def _row(line: BankLine, line_id: UUID, status: str, reason: str) -> ReportRow:
    return ReportRow(
        bank_payment_id=line_id, number=line.number, booked_on=line.booked_on.isoformat(),
        amount=line.amount.to_decimal_string(), currency=line.amount.currency,
        direction=line.direction, payer_name=line.counterparty_name,
        payer_inn=line.counterparty_inn, status=status, reason=reason,
    )


def _row_of(line: BankLine, payment: BankPayment) -> ReportRow:
    state = payment.state
    reason = state.decision_reason if not state.accepted else state.match_reason
    row = _row(line, payment.id, state.status.value, reason)
    return replace(row, score=state.score, customer_id=state.customer_id,
                   payment_id=state.payment_id)
