"""Dedup keys: the same payment always yields the same key, different payments differ."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ledger.bankfiles import dedup_key, parse_statement
from ledger.bankfiles.dedup import legacy_keys, reversed_credit_keys
from ledger.money import Money
from tests.unit.bankfiles.samples import (
    CAMT_V02,
    KL_TO_1C,
    MT940_ABNAMRO,
    MT940_SEPA,
    OCA_1C,
    onec_document,
    onec_file,
)

if TYPE_CHECKING:
    from collections.abc import Callable

SAMPLES = (KL_TO_1C, OCA_1C, CAMT_V02, MT940_ABNAMRO, MT940_SEPA)


def keys(data: bytes) -> list[str]:
    return [dedup_key(line) for line in parse_statement(data).lines]


def test_a_key_is_a_sha256_hex_digest(sample: Callable[[str], bytes]) -> None:
    key = keys(sample(KL_TO_1C))[0]

    assert len(key) == 64
    assert int(key, 16) >= 0


def test_parsing_a_file_twice_yields_the_same_keys(sample: Callable[[str], bytes]) -> None:
    for name in SAMPLES:
        assert keys(sample(name)) == keys(sample(name))


def test_distinct_lines_have_distinct_keys(sample: Callable[[str], bytes]) -> None:
    every = [key for name in SAMPLES for key in keys(sample(name))]

    assert len(every) == len(set(every)) == 3 + 5 + 4 + 10 + 11


def test_an_overlapping_export_reproduces_the_keys_of_the_shared_documents() -> None:
    monday = onec_document(number="1", purpose="Оплата по счету №1")
    tuesday = onec_document(number="2", purpose="Оплата по счету №2")

    first_export = keys(onec_file(monday))
    second_export = keys(onec_file(monday, tuesday))

    assert second_export[0] == first_export[0]
    assert second_export[1] not in first_export


def test_two_identical_payments_in_one_file_are_told_apart_by_occurrence() -> None:
    statement = parse_statement(onec_file(onec_document(), onec_document()))

    first, second = statement.lines
    assert (first.occurrence, second.occurrence) == (1, 2)
    assert dedup_key(first) != dedup_key(second)
    assert dedup_key(replace(second, occurrence=1)) == dedup_key(first)


def test_each_part_of_the_key_matters() -> None:
    line = parse_statement(onec_file(onec_document())).lines[0]
    variants = [
        replace(line, account="40702810000000000001"),
        replace(line, direction="out"),
        replace(line, document_date=line.booked_on.replace(day=11)),
        replace(line, number="8"),
        replace(line, amount=Money(line.amount.minor + 1, "RUB")),
        replace(line, amount=Money(line.amount.minor, "USD")),
        replace(line, counterparty_inn="7707049389"),
        replace(line, purpose="Оплата по счету №43"),
        replace(line, occurrence=2),
        replace(line, reversal=True),
    ]

    assert dedup_key(line) not in {dedup_key(variant) for variant in variants}


def test_spacing_and_case_of_the_purpose_do_not_change_the_key() -> None:
    line = parse_statement(onec_file(onec_document())).lines[0]

    respaced = replace(line, purpose="  ОПЛАТА по  счету №42\nза услуги. Без НДС ")

    assert dedup_key(respaced) == dedup_key(line)


def _without_credit_date(document: list[str]) -> list[str]:
    return [row for row in document if not row.startswith("ДатаПоступило=")]


def test_a_1c_document_keeps_its_key_whenever_the_bank_fills_in_its_credit_date() -> None:
    early = parse_statement(onec_file(_without_credit_date(onec_document()))).lines[0]
    late = parse_statement(onec_file(onec_document(credited="13.01.2026"))).lines[0]

    assert (early.booked_on.day, late.booked_on.day) == (12, 13)  # Дата, then ДатаПоступило
    assert dedup_key(early) == dedup_key(late)


def test_without_a_document_date_the_booking_date_is_in_the_key() -> None:
    line = replace(parse_statement(onec_file(onec_document())).lines[0], document_date=None)

    assert dedup_key(replace(line, booked_on=line.booked_on.replace(day=13))) != dedup_key(line)


def test_the_v1_keys_are_the_booking_date_and_the_document_date_ones() -> None:
    late = parse_statement(onec_file(onec_document(credited="13.01.2026"))).lines[0]
    early = parse_statement(onec_file(_without_credit_date(onec_document()))).lines[0]

    assert dedup_key(late) not in legacy_keys(late)
    assert len(legacy_keys(late)) == 2
    assert legacy_keys(early)[0] in legacy_keys(late)  # v1 booked the early one on its Дата


def test_a_reversal_knows_the_keys_its_original_credit_may_have() -> None:
    credit = replace(parse_statement(onec_file(onec_document())).lines[0], document_date=None)
    reversal = replace(credit, direction="out", reversal=True,
                       booked_on=credit.booked_on.replace(day=20))

    candidates = reversed_credit_keys(reversal)

    assert dedup_key(credit) in candidates
    assert set(legacy_keys(credit)) <= set(candidates)
    assert dedup_key(reversal) not in candidates
