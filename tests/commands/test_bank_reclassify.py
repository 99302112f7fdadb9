"""A line skipped under settings that were wrong is taken up again by the next import.

Lines skipped as "not our account" or "internal transfer" were skipped because of the
settings (``LBX_OWN_ACCOUNTS``, ``LBX_OWN_INN``), not because of what the bank said. When
the same line comes again after the settings were fixed, ``BankPaymentReclassified`` moves
it on, and a payment is made as for a new line; nothing is edited, and nothing is recorded
twice. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections import queries
from tests.support.bank import billed, paid, run_import, statement
from tests.support.dsl import event_names
from tests.unit.bankfiles.samples import OUR_ACCOUNT

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services

OLD_ACCOUNT = "40702810500000000001"
OUR_INN = "7707049388"  # Ромашка's ИНН, wrongly configured as ours


def payments_of(services: Services, customer: UUID) -> list[int]:
    book = services.ledger.customer(customer, fresh=True)
    return [payment.amount for payment in book.state.payments.values()]


def test_a_line_on_an_account_configured_later_is_matched_by_the_next_import(
    services: Services,
) -> None:
    romashka = billed(services, "romashka")
    data = statement(paid("7", "10000.00", f"Оплата по счету {romashka.number}"))
    (skipped,) = run_import(services, data, own_accounts=[OLD_ACCOUNT]).rows
    assert (skipped.status, skipped.reason) == ("skipped", "not our account")

    (row,) = run_import(services, data, own_accounts=[OLD_ACCOUNT, OUR_ACCOUNT]).rows

    assert (row.status, row.bank_payment_id, row.customer_id) == (
        "matched", skipped.bank_payment_id, romashka.customer_id)
    assert payments_of(services, romashka.customer_id) == [1000000]
    assert event_names(services, row.bank_payment_id) == [
        "BankPaymentImported", "BankPaymentReclassified"]
    reclassified = services.ledger.history(row.bank_payment_id)[-1]
    assert (reclassified.meta.actor, reclassified.meta.reason) == (
        "accountant:anna",
        "re-imported with other own accounts or ИНН: was skipped as not our account")
    services.runner.catch_up()
    (listed,) = queries.bank_payments(services.store).items
    assert (listed["status"], listed["payment_id"]) == ("matched", row.payment_id)


def test_importing_again_under_the_same_settings_records_nothing(services: Services) -> None:
    romashka = billed(services, "romashka")
    data = statement(paid("7", "10000.00", f"Оплата по счету {romashka.number}"))
    run_import(services, data, own_accounts=[OLD_ACCOUNT])
    run_import(services, data, own_accounts=[OLD_ACCOUNT, OUR_ACCOUNT])
    before = services.ledger.max_position()

    for ours in ([OLD_ACCOUNT], [OLD_ACCOUNT, OUR_ACCOUNT]):
        (row,) = run_import(services, data, own_accounts=ours).rows
        assert row.status == "duplicate"

    assert services.ledger.max_position() == before
    assert payments_of(services, romashka.customer_id) == [1000000]


def test_a_line_taken_for_an_internal_transfer_by_a_wrong_inn_reaches_the_queue(
    services: Services,
) -> None:
    data = statement(paid("7", "10000.00", "Оплата услуг"))  # nobody is registered under it
    (skipped,) = run_import(services, data, own_inn=OUR_INN).rows
    assert (skipped.status, skipped.reason) == ("skipped", "internal transfer")

    (row,) = run_import(services, data).rows

    assert (row.status, row.reason) == (
        "unmatched", "no customer has ИНН 7707049388; no invoice number of ours in the purpose")
    services.runner.catch_up()
    (queued,) = queries.bank_payments(services.store, statuses=("unmatched",)).items
    assert queued["bank_payment_id"] == str(skipped.bank_payment_id)


def test_the_view_rebuilt_from_the_log_keeps_the_reclassification(services: Services) -> None:
    data = statement(paid("7", "10000.00", "Оплата услуг"))
    run_import(services, data, own_accounts=[OLD_ACCOUNT])
    run_import(services, data)
    services.runner.catch_up()
    incremental = services.store.query("SELECT * FROM view_bank_payments ORDER BY 1")

    services.runner.rebuild("bank_payments")

    assert services.store.query("SELECT * FROM view_bank_payments ORDER BY 1") == incremental
    assert [row["status"] for row in incremental] == ["unmatched"]
