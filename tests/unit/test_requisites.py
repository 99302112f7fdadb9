"""Requisites: check digits and shapes of ИНН, ОГРН, КПП, БИК and settlement accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ledger.errors import InvalidField
from ledger.requisites import (
    account_is_valid,
    bik_is_valid,
    check_requisites,
    correspondent_account_is_valid,
    inn_is_valid,
    kpp_is_valid,
    ogrn_is_valid,
)

if TYPE_CHECKING:
    from collections.abc import Callable


@pytest.mark.parametrize(("inn", "valid"), [
    ("7707049388", True), ("500100732259", True), ("7718123456", False),
    ("770704938", False), ("77070493881", False), ("770704938X", False),
])
def test_inn_check_digits(inn: str, valid: bool) -> None:
    assert inn_is_valid(inn) is valid


@pytest.mark.parametrize(("ogrn", "valid"), [
    ("1027700132195", True), ("304500116000157", True), ("1027700132196", False),
])
def test_ogrn_and_ogrnip_check_digits(ogrn: str, valid: bool) -> None:
    assert ogrn_is_valid(ogrn) is valid


def test_kpp_shape() -> None:
    assert kpp_is_valid("770701001")
    assert kpp_is_valid("7707AB001")
    assert not kpp_is_valid("77070100")


def test_a_correspondent_account_key_is_checked_against_the_bik() -> None:
    # real correspondent accounts of VTB and Sberbank, and one digit off
    assert correspondent_account_is_valid("30101810145250000411", "044525411")
    assert correspondent_account_is_valid("30101810800000000651", "047102651")
    assert correspondent_account_is_valid("30101810700000000187", "044525187")
    assert not correspondent_account_is_valid("30101810700000000188", "044525187")


def test_a_settlement_account_is_keyed_with_the_biks_last_three_digits() -> None:
    assert account_is_valid("40702810938000012345", "044525225")
    assert not account_is_valid("40702810938000012346", "044525225")


def test_settlement_and_correspondent_accounts_swapped_are_both_refused() -> None:
    settlement, correspondent, bik = "40702810938000012345", "30101810400000000225", "044525225"
    assert account_is_valid(settlement, bik)
    assert correspondent_account_is_valid(correspondent, bik)
    assert not account_is_valid(correspondent, bik)  # a bank's own account, not ours
    assert not correspondent_account_is_valid(settlement, bik)
    with pytest.raises(InvalidField) as caught:
        check_requisites(bik=bik, account=correspondent, correspondent_account=settlement)
    assert caught.value.field == "account"


def test_a_correspondent_account_ends_with_the_biks_last_three_digits() -> None:
    # the right key for БИК 044525225, but it names another bank's division (…226)
    assert not correspondent_account_is_valid("30101810100000000226", "044525225")


@pytest.mark.parametrize(("check", "value"), [
    (inn_is_valid, "７７０７０４９３８８"),   # full-width digits pasted from a CRM
    (inn_is_valid, "٧٧٠٧٠٤٩٣٨٨"),           # Arabic-Indic digits
    (kpp_is_valid, "７７０７０１００１"),
    (ogrn_is_valid, "１０２７７００１３２１９５"),
    (bik_is_valid, "04452522５"),
])
def test_requisites_are_made_of_the_digits_0_to_9(check: Callable[[str], bool],
                                                  value: str) -> None:
    assert not check(value)


def test_accounts_are_made_of_the_digits_0_to_9() -> None:
    assert not account_is_valid("4070281093800001234５", "044525225")
    assert not correspondent_account_is_valid("30101810400000000225", "04452522５")


def test_the_first_wrong_requisite_is_named() -> None:
    with pytest.raises(InvalidField) as caught:
        check_requisites(inn="7707049388", kpp="77070100")
    assert caught.value.field == "kpp"
