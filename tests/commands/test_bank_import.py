"""Importing bank statements: each line recorded once, payments matched, the rest explained.

Runs on SQLite and PostgreSQL. Matching reads the views, so each import first catches
them up (``import_bank_file`` does it, as the API and the CLI do).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pytest

from ledger.bankfiles import Decision, UnreadableStatement, dedup_key, parse_statement
from ledger.bankfiles.dedup import legacy_keys
from ledger.banking import BankPayment, BankPaymentStatus
from ledger.banking_match import Match
from ledger.events import Provenance
from projections import queries
from tests.support.bank import (
    ROMASHKA_INN,
    billed,
    camt,
    entry,
    paid,
    run_import,
    sample,
    statement,
    transfer,
)
from tests.unit.bankfiles.samples import (
    CAMT_V02,
    CAMT_V08,
    KL_TO_1C,
    MT940_ABNAMRO,
    MT940_SEPA,
    OCA_1C,
    OUR_ACCOUNT,
    onec_document,
    onec_file,
)

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from commands.import_bank_statement import ImportReport


def payments_of(services: Services, customer: UUID) -> dict[str, int]:
    """The customer's payments as the book holds them: payment id → minor units."""
    book = services.ledger.customer(customer, fresh=True)
    return {pid: p.amount for pid, p in book.state.payments.items()}


def counts(report: ImportReport, *names: str) -> dict[str, Any]:
    found = report.counts()
    return {name: found[name] for name in names}


# -- the shared samples ------------------------------------------------------------------------

SAMPLES = [
    # name, our accounts, lines, unmatched, skipped reasons, balance problems
    (KL_TO_1C, [], 3, 0, {"bank fee": 1, "outgoing": 2}, 0),
    (OCA_1C, ["40702810000000000041"], 5, 0, {"outgoing": 5}, 0),
    # two of v02's lines reverse collected direct debits: money taken back waits in the queue
    (CAMT_V02, ["NL77ABNA0574908765"], 4, 3, {"outgoing": 1}, 1),
    (CAMT_V08, ["NL26VAYB8060476890"], 1, 1, {}, 1),
    (MT940_ABNAMRO, ["517852257"], 10, 0, {"outgoing": 10}, 3),
    (MT940_SEPA, ["50880050/0194787400888", "50880050/0194791600888"], 11, 8,
     {"outgoing": 3}, 1),
]


@pytest.mark.parametrize(
    ("name", "ours", "lines", "unmatched", "skipped", "problems"), SAMPLES,
    ids=[s[0].split(".")[0] for s in SAMPLES],
)
def test_each_sample_imports_with_its_expected_counts(
    services: Services, name: str, ours: list[str], lines: int, unmatched: int,
    skipped: dict[str, int], problems: int,
) -> None:
    report = run_import(services, sample(name), own_accounts=ours)

    assert counts(report, "lines", "matched", "unmatched", "skipped_reasons", "duplicates") == {
        "lines": lines, "matched": 0, "unmatched": unmatched, "skipped_reasons": skipped,
        "duplicates": 0,
    }
    assert len(report.balance_problems) == problems
    services.runner.catch_up()
    queue = queries.bank_payments(services.store, statuses=("unmatched",), limit=100)
    assert len(queue.items) == unmatched
    recorded = queries.bank_import(services.store, report.file_sha256)
    assert recorded["lines"] == lines


def test_the_1c_sample_keeps_its_quirks_as_warnings_and_every_document_raw(
    services: Services,
) -> None:
    report = run_import(services, sample(OCA_1C), own_accounts=["40702810000000000041"])

    assert any("КонецДокумента outside a section" in w for w in report.warnings)
    line = services.ledger.load(report.rows[0].bank_payment_id, BankPayment)
    assert line.state.line.raw.startswith("СекцияДокумент=Платежное поручение")
    assert line.state.decision_reason == "outgoing"


def test_a_line_on_an_account_that_is_not_ours_is_skipped_as_such(services: Services) -> None:
    report = run_import(services, sample(KL_TO_1C), own_accounts=["40702810000000074935"])

    assert report.skipped() == {"bank fee": 1, "not our account": 1, "outgoing": 1}


def test_without_own_accounts_the_statement_accounts_are_trusted_and_it_says_so(
    services: Services,
) -> None:
    report = run_import(services, sample(CAMT_V02), own_accounts=[])

    assert report.counts()["unmatched"] == 3  # the incoming payment and two reversals
    assert any("no own accounts configured" in w for w in report.warnings)


def test_with_no_own_accounts_a_transfer_between_the_statements_accounts_is_internal(
    services: Services,
) -> None:
    first, second = "40702810000000000001", "40702810000000000002"

    def leg(ours: str, indicator: str, other: str) -> str:
        party = "Dbtr" if indicator == "CRDT" else "Cdtr"
        return f"""<Stmt><Acct><Id><Othr><Id>{ours}</Id></Othr></Id><Ccy>RUB</Ccy></Acct>
          <Ntry><Amt Ccy="RUB">50000.00</Amt><CdtDbtInd>{indicator}</CdtDbtInd>
            <Sts>BOOK</Sts><BookgDt><Dt>2026-01-12</Dt></BookgDt>
            <NtryDtls><TxDtls><Refs><EndToEndId>T1</EndToEndId></Refs>
              <RltdPties><{party}><Nm>ООО ЛБХ</Nm></{party}><{party}Acct><Id><Othr>
                <Id>{other}</Id></Othr></Id></{party}Acct></RltdPties>
              <RmtInf><Ustrd>Перевод собственных средств</Ustrd></RmtInf>
            </TxDtls></NtryDtls></Ntry></Stmt>"""

    data = camt().replace(
        b"<Stmt>", (leg(first, "DBIT", second) + leg(second, "CRDT", first) + "<Stmt>").encode(),
        1)

    report = run_import(services, data, own_accounts=[])

    assert report.skipped() == {"internal transfer": 2}
    assert report.counts()["unmatched"] == 0


# -- matching ----------------------------------------------------------------------------------

def test_a_payment_naming_its_invoice_from_a_known_inn_is_matched_and_settles_it(
    services: Services,
) -> None:
    romashka = billed(services, "romashka", amount="12200.00")
    purpose = f"Оплата по сч. № {romashka.number} за услуги"

    report = run_import(services, statement(paid("7", romashka.total, purpose)))

    (row,) = report.rows
    assert (row.status, row.score, row.customer_id) == ("matched", 100, romashka.customer_id)
    assert row.reason == (f"ИНН {ROMASHKA_INN} matches ООО romashka; invoice {romashka.number}"
                          f" found in purpose; amount equals open 12 200.00")
    book = services.ledger.customer(romashka.customer_id, fresh=True)
    assert book.state.invoices[romashka.invoice_id].open_minor == 0
    (payment,) = book.state.payments.values()
    assert payment.payment_id == row.payment_id
    assert payment.allocations == {romashka.invoice_id: 1220000}
    line = services.ledger.load(row.bank_payment_id, BankPayment)
    assert (line.state.score, line.state.match_reason) == (100, row.reason)


def test_an_invoice_number_with_look_alike_letters_still_matches(services: Services) -> None:
    romashka = billed(services, "romashka")
    cyrillic = romashka.number.replace("LBX", "LВХ")  # Cyrillic В and Х

    report = run_import(services, statement(
        paid("7", romashka.total, f"оплата счет {cyrillic}", inn="5000000000")))

    (row,) = report.rows
    assert row.status == "matched"
    assert row.customer_id == romashka.customer_id
    assert row.score == 60  # invoice + amount, no ИНН


def test_two_customers_under_one_inn_make_the_payment_ambiguous(services: Services) -> None:
    first = billed(services, "branch-1")
    billed(services, "branch-2")

    report = run_import(services, statement(paid("7", first.total, "Оплата услуг")))

    (row,) = report.rows
    assert row.status == "ambiguous"
    assert "belongs to 2 customers" in row.reason
    assert payments_of(services, first.customer_id) == {}
    services.runner.catch_up()
    queue = queries.bank_payments(services.store, statuses=("unmatched", "ambiguous"))
    assert [item["bank_payment_id"] for item in queue.items] == [str(row.bank_payment_id)]


def test_a_payment_in_another_currency_waits_in_the_queue(services: Services) -> None:
    romashka = billed(services, "romashka")
    usd = onec_file([line.replace("ПолучательСчет=40702810", "ПолучательСчет=40702840")
                     for line in paid("7", "100.00", "Оплата")]).replace(
        OUR_ACCOUNT.encode(), b"40702840000000074935")

    report = run_import(services, usd, own_accounts=["40702840000000074935"])

    (row,) = report.rows
    assert (row.status, row.currency) == ("unmatched", "USD")
    assert "billed in RUB" in row.reason
    assert payments_of(services, romashka.customer_id) == {}


@pytest.mark.parametrize("with_amounts", [True, False], ids=["netted-charge", "no-tx-amounts"])
def test_a_camt_batch_that_does_not_add_up_waits_in_the_queue_naming_nobody(
    services: Services, with_amounts: bool,
) -> None:
    romashka = billed(services, "romashka", amount="10000.00")
    lutik = billed(services, "lutik", inn="7736050003", amount="10000.00")
    each = "10000.00" if with_amounts else None
    data = camt(entry("19990.00", "CRDT",  # two transfers, credited net of a 10.00 charge
                      transfer(each, "ООО Ромашка", ROMASHKA_INN,
                               f"Оплата по счету {romashka.number}", "A1"),
                      transfer(each, "ООО Лютик", "7736050003",
                               f"Оплата по счету {lutik.number}", "A2")))

    report = run_import(services, data)

    (row,) = report.rows
    assert (row.status, row.amount, row.payer_inn, row.customer_id) == (
        "unmatched", "19990.00", None, None)
    assert row.reason == ("a batch of 2 transfers that do not add up to the amount booked"
                          " names no single payer; split it by hand")
    assert payments_of(services, romashka.customer_id) == {}
    assert payments_of(services, lutik.customer_id) == {}


# -- exactly once ------------------------------------------------------------------------------

def test_importing_the_same_file_twice_records_each_payment_once(services: Services) -> None:
    romashka = billed(services, "romashka")
    data = statement(paid("7", "4000.00", "Оплата"), paid("8", "6000.00", "Оплата"))

    first = run_import(services, data)
    second = run_import(services, data)

    assert counts(first, "matched", "duplicates") == {"matched": 2, "duplicates": 0}
    assert counts(second, "matched", "duplicates") == {"matched": 0, "duplicates": 2}
    assert sorted(payments_of(services, romashka.customer_id).values()) == [400000, 600000]


def test_an_overlapping_export_records_only_the_new_documents(services: Services) -> None:
    romashka = billed(services, "romashka", amount="50000.00")
    a, b, c, d = (paid(str(n), f"{n}000.00", f"Оплата {n}") for n in (1, 2, 3, 4))

    run_import(services, statement(a, b))
    later = run_import(services, statement(b, c, d))

    assert counts(later, "lines", "matched", "duplicates") == {
        "lines": 3, "matched": 2, "duplicates": 1}
    assert sorted(payments_of(services, romashka.customer_id).values()) == [
        100000, 200000, 300000, 400000]


def test_a_killed_import_is_resumed_by_running_it_again(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    romashka = billed(services, "romashka", amount="50000.00")
    data = statement(*(paid(str(n), f"{n}00.00", f"Оплата {n}") for n in range(1, 6)))
    save_all = services.ledger.save_all
    saves: list[int] = []

    def dies_after_the_first_batch(*aggregates: Any) -> int:
        saves.append(len(aggregates))
        if len(saves) > 1:
            raise KeyboardInterrupt  # the process is killed
        return save_all(*aggregates)

    monkeypatch.setattr(services.ledger, "save_all", dies_after_the_first_batch)
    with pytest.raises(KeyboardInterrupt):
        run_import(services, data, batch_size=2)
    assert len(payments_of(services, romashka.customer_id)) == 2
    monkeypatch.setattr(services.ledger, "save_all", save_all)

    resumed = run_import(services, data, batch_size=2)

    assert counts(resumed, "matched", "duplicates") == {"matched": 3, "duplicates": 2}
    assert sorted(payments_of(services, romashka.customer_id).values()) == [
        10000, 20000, 30000, 40000, 50000]


def _without_credit_date(document: list[str]) -> list[str]:
    """The same document exported before the bank filled in ДатаПоступило."""
    return [row if not row.startswith("ДатаПоступило=") else "ДатаПоступило="
            for row in document]


def test_a_1c_document_exported_before_and_after_its_credit_date_is_paid_once(
    services: Services,
) -> None:
    romashka = billed(services, "romashka", amount="20000.00")
    document = paid("7", "10000.00", "Оплата услуг", credited="13.01.2026")

    early = run_import(services, statement(_without_credit_date(document)))
    late = run_import(services, statement(document))

    assert (early.rows[0].status, early.rows[0].booked_on) == ("matched", "2026-01-12")
    assert counts(late, "matched", "duplicates") == {"matched": 0, "duplicates": 1}
    assert late.rows[0].bank_payment_id == early.rows[0].bank_payment_id
    assert list(payments_of(services, romashka.customer_id).values()) == [1000000]


def test_a_line_recorded_under_its_old_key_is_still_a_duplicate(services: Services) -> None:
    romashka = billed(services, "romashka")
    data = statement(paid("7", "10000.00", "Оплата услуг"))
    (line,) = parse_statement(data, own_accounts=frozenset({OUR_ACCOUNT})).lines
    (old_key, *_) = legacy_keys(line)
    now = services.runtime.clock.now()
    before = BankPayment.import_line(
        Provenance(actor="accountant:anna", source="import", recorded_at=now,
                   correlation_id=uuid4()),
        line=line, dedup_key=old_key, statement_format="1c", file_sha256="0" * 64,
        decision=Decision(accept=True, reason="incoming payment"),
        match=Match("unmatched", None, (), 0, "recorded before keys were v2"))
    services.ledger.save_all(before)

    report = run_import(services, data)

    assert dedup_key(line) != old_key
    (row,) = report.rows
    assert (row.status, row.bank_payment_id) == ("duplicate", before.id)
    assert payments_of(services, romashka.customer_id) == {}


def test_one_customer_paying_several_times_in_a_batch_is_saved_once(services: Services) -> None:
    romashka = billed(services, "romashka")
    before = services.ledger.customer(romashka.customer_id).version

    run_import(services, statement(*(paid(str(n), "100.00", f"Оплата {n}") for n in (1, 2, 3))))

    assert services.ledger.customer(romashka.customer_id, fresh=True).version == before + 3
    assert len(payments_of(services, romashka.customer_id)) == 3


# -- bad input -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "data",
    [b"", bytes(range(256)) * 4, onec_file(onec_document(), end=False)[:-40],
     b"Dear customer,\nyour statement is attached.\n"],
    ids=["empty", "binary", "truncated", "not a statement"],
)
def test_an_unreadable_file_is_refused_and_nothing_is_written(
    services: Services, data: bytes
) -> None:
    before = services.ledger.max_position()

    with pytest.raises(UnreadableStatement) as refused:
        run_import(services, data)

    assert refused.value.field == "file"
    assert services.ledger.max_position() == before


def test_a_skipped_line_is_recorded_with_its_reason_and_makes_no_payment(
    services: Services,
) -> None:
    report = run_import(services, sample(KL_TO_1C), own_accounts=[])

    fee = services.ledger.load(report.rows[0].bank_payment_id, BankPayment)
    assert fee.state.status is BankPaymentStatus.SKIPPED
    assert (fee.state.accepted, fee.state.decision_reason) == (False, "bank fee")
    assert fee.state.payment_id is None
