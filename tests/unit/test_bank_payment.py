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
    BankPaymentReclassified,
    BankPaymentResolved,
    BankPaymentStatus,
    BankReversalIsNoPayment,
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


def test_with_no_accounts_configured_a_transfer_from_another_statement_account_is_internal(
) -> None:
    from_our_other_account = replace(LINE, counterparty_account="40702810000000000002")

    assert classify_line(from_our_other_account, [], None).accept
    assert classify_line(from_our_other_account, [], None,
                         ["40702810000000074935", "40702810000000000002"]) == Decision(
        accept=False, reason="internal transfer")


def test_a_line_skipped_as_not_ours_is_reclassified_once_the_settings_accept_it() -> None:
    line = imported(Decision(accept=False, reason="not our account"), None)
    customer = uuid4()
    match = Match("matched", customer, ("inv-1",), 90, "ИНН 7707049388 matches ООО Ромашка")

    moved = line.reclassify(NOW, decision=ACCEPTED, match=match)

    assert moved
    (event,) = [e for e in line.pending_events if isinstance(e, BankPaymentReclassified)]
    assert (event.status, event.customer_id, event.payment_id) == (
        BankPaymentStatus.MATCHED, customer, payment_id_for(dedup_key(LINE)))
    assert event.meta.reason == (
        "re-imported with other own accounts or ИНН: was skipped as not our account")
    assert (event.meta.actor, event.meta.effective_date) == ("accountant:anna", LINE.booked_on)
    assert line.state.status is BankPaymentStatus.MATCHED
    assert not line.reclassify(NOW, decision=ACCEPTED, match=match)  # matched: final


def test_the_same_settings_reclassify_nothing_and_other_skips_are_final() -> None:
    not_ours = imported(Decision(accept=False, reason="not our account"), None)
    fee = imported(Decision(accept=False, reason="bank fee"), None)

    assert not not_ours.reclassify(NOW, decision=Decision(False, "not our account"), match=None)
    assert not fee.reclassify(NOW, decision=ACCEPTED, match=NOBODY)
    assert [type(e).__name__ for e in (*not_ours.pending_events, *fee.pending_events)] == [
        "BankPaymentImported", "BankPaymentImported"]


def test_a_reversal_of_a_credit_waits_in_the_queue_but_can_only_be_dismissed() -> None:
    reversal = replace(LINE, direction="out", reversal=True)
    line = BankPayment.import_line(
        NOW, line=reversal, dedup_key=dedup_key(reversal), statement_format="camt.053",
        file_sha256="0" * 64, decision=Decision(False, "reversal of an earlier credit", True),
        match=None)
    assert (line.state.status, line.state.accepted) == (BankPaymentStatus.UNMATCHED, False)

    with pytest.raises(BankReversalIsNoPayment):
        line.resolve(NOW, date(2026, 1, 15), customer_id=uuid4(), invoice_ids=(),
                     reason="the customer's payment")
    with pytest.raises(BankReversalIsNoPayment):
        line.link(NOW, date(2026, 1, 15), customer_id=uuid4(), payment_id="pp-1",
                  reason="the customer's payment")
    line.dismiss(NOW, date(2026, 1, 15), "chargeback recorded on bank:0001")

    assert line.state.status is BankPaymentStatus.DISMISSED
