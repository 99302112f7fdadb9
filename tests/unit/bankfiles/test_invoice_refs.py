"""Invoice numbers come out of hand-typed purposes; contracts, dates and amounts do not."""

from __future__ import annotations

import pytest

from ledger.bankfiles import find_invoice_numbers


@pytest.mark.parametrize(
    ("purpose", "numbers"),
    [
        ("За товары, по счету №125 на сумму 175000-00", ["125"]),
        ("Оплата по счету 220 от 02.04.07г. за товар. Cумма 97600-00", ["220"]),
        ("Оплата по счёту № 17 за январь", ["17"]),
        ("оплата по сч. 12, 13 и 15", ["12", "13", "15"]),
        ("Оплата по счетам N 7; 8", ["7", "8"]),
        ("Оплата по счету на оплату No. 301", ["301"]),
        ("Оплата по счету от 01.02.2026 № 310", ["310"]),
        ("Оплата по с/ч 44", ["44"]),
        ("Оплата по счет-оферте №9", ["9"]),
        ("Invoice #88, thank you", ["88"]),
        ("по cчету №46", ["46"]),  # Latin c in the keyword
        ("Оплата по счёту № А-15", ["A-15"]),  # Cyrillic А in the number
        ("Оплата LBX-2026-000123 за подписку", ["LBX-2026-000123"]),
        ("Оплата LВХ-2026-000123", ["LBX-2026-000123"]),  # Cyrillic В and Х
        ("по счету lbx 2026 124", ["LBX-2026-000124"]),
        ("счет LBX-2026-000123, LBX-2026-000124", ["LBX-2026-000123", "LBX-2026-000124"]),
    ],
)
def test_invoice_numbers_are_found(purpose: str, numbers: list[str]) -> None:
    assert find_invoice_numbers(purpose) == numbers


@pytest.mark.parametrize(
    "purpose",
    [
        "Оплата услуг на основании договора №1441-22/07 Cумма 17000-00, в т.ч. НДС(18%) - 2593-22.",
        "Оплата по заказу клиента №9614, НДС не облагается",
        "Перевод на расчетный счет 40702810000000074935",
        "Оплата по счетчику 12",
        "Оплата по счету 12.01.2026",
        "Оплата по счету на сумму 1500-00",
        "",
    ],
)
def test_contracts_orders_accounts_dates_and_amounts_are_not_invoices(purpose: str) -> None:
    assert find_invoice_numbers(purpose) == []


def test_other_prefixes_can_be_configured() -> None:
    assert find_invoice_numbers("Payment ACME-2025-77", known_prefixes=("ACME",)) == [
        "ACME-2025-000077"
    ]
    assert find_invoice_numbers("Payment ACME-2025-77") == []
