"""The BankPayment aggregate: one per statement line, its id the line's own dedup key.

Given a line, when it is imported, resolved or dismissed, then these events and this state;
no database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ledger.bankfiles import BankLine, Decision, dedup_key
from ledger.banking import (
    BankPayment,
    BankPaymentNotQueued,
    BankPaymentResolved,
    BankPaymentStatus,
    bank_payment_id,
    classify_line,
    payment_id_for,
)
from ledger.banking_match import Match
from ledger.errors import ReasonRequired
from ledger.events import Provenance
from ledger.money import Money

NOW = Provenance(actor="accountant:anna", source="import",
                 recorded_at=datetime(2026, 1, 15, 9, tzinfo=UTC), correlation_id=uuid4())
LINE = BankLine(
    account="40702810000000074935", booked_on=date(2026, 1, 12), number="7",
    amount=Money.parse("1500.00", "RUB"), direction="in", counterparty_name='ООО "Ромашка"',
    counterparty_inn="7707049388", counterparty_kpp=None, counterparty_account=None,
    counterparty_bik=None, purpose="Оплата", kind="Платежное поручение",
    raw="СекцияДокумент=Платежное поручение\nНомер=7",
)
ACCEPTED = Decision(accept=True, reason="incoming payment")
NOBODY = Match("unmatched", None, (), 0, "no customer has ИНН 7707049388")


def imported(decision: Decision = ACCEPTED, match: Match | None = NOBODY) -> BankPayment:
    return BankPayment.import_line(NOW, line=LINE, dedup_key=dedup_key(LINE),
                                   statement_format="1c", file_sha256="0" * 64,
                                   decision=decision, match=match)


def test_the_same_line_always_gets_the_same_id_and_a_second_occurrence_another() -> None:
    assert imported().id == bank_payment_id(dedup_key(LINE))
    assert bank_payment_id(dedup_key(replace(LINE, occurrence=2))) != imported().id


def test_a_line_keeps_what_the_bank_said_including_the_raw_document() -> None:
    line = imported()

    assert line.state.line.raw == LINE.raw
    assert line.state.line.amount == LINE.amount
    assert line.state.status is BankPaymentStatus.UNMATCHED
    assert [type(e).__name__ for e in line.pending_events] == ["BankPaymentImported"]


def test_a_matched_line_carries_the_payment_id_the_customer_book_gets() -> None:
    customer = uuid4()
    match = Match("matched", customer, ("inv-1",), 100, "ИНН 7707049388 matches ООО Ромашка")

    line = imported(match=match)

    assert line.state.status is BankPaymentStatus.MATCHED
    assert line.state.payment_id == payment_id_for(dedup_key(LINE))
    assert line.state.payment_id.startswith("bank:")
    assert (line.state.customer_id, line.state.score) == (customer, 100)


def test_a_skipped_line_is_no_payment_whatever_the_match_says() -> None:
    line = imported(Decision(accept=False, reason="bank fee"),
                    Match("matched", uuid4(), (), 100, "x"))

    assert line.state.status is BankPaymentStatus.SKIPPED
    assert (line.state.payment_id, line.state.customer_id) == (None, None)


def test_a_resolution_needs_a_reason_and_a_queued_line() -> None:
    line = imported()
    with pytest.raises(ReasonRequired):
        line.resolve(NOW, date(2026, 1, 15), customer_id=uuid4(), invoice_ids=(), reason=" ")

    line.resolve(NOW, date(2026, 1, 15), customer_id=uuid4(), invoice_ids=(), reason="letter")

    assert line.state.status is BankPaymentStatus.RESOLVED
    assert line.state.customer_id is not None
    (resolved,) = [e for e in line.pending_events if isinstance(e, BankPaymentResolved)]
    assert resolved.meta.reason == "letter"
    with pytest.raises(BankPaymentNotQueued):
        line.dismiss(NOW, date(2026, 1, 15), "changed my mind")


def test_a_skipped_line_cannot_be_dismissed() -> None:
    line = imported(Decision(accept=False, reason="outgoing"), None)

    with pytest.raises(BankPaymentNotQueued, match="is skipped"):
        line.dismiss(NOW, date(2026, 1, 15), "not ours")


def test_only_lines_on_our_accounts_are_accepted_when_accounts_are_configured() -> None:
    assert classify_line(LINE, ["40702810000000074935"], None).accept
    assert classify_line(LINE, [], None).accept
    assert classify_line(LINE, ["40702810000000099999"], None) == Decision(
        accept=False, reason="not our account")
