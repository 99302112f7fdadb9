"""Requisites: check digits and shapes of ИНН, ОГРН, КПП, БИК and settlement accounts."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidField
from ledger.requisites import (
    account_is_valid,
    check_requisites,
    inn_is_valid,
    kpp_is_valid,
    ogrn_is_valid,
)


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


def test_an_account_key_is_checked_against_the_bik() -> None:
    # real correspondent accounts of VTB and Sberbank, and one digit off
    assert account_is_valid("30101810145250000411", "044525411")
    assert account_is_valid("30101810800000000651", "047102651")
    assert account_is_valid("30101810700000000187", "044525187")
    assert not account_is_valid("30101810700000000188", "044525187")


def test_the_first_wrong_requisite_is_named() -> None:
    with pytest.raises(InvalidField) as caught:
        check_requisites(inn="7707049388", kpp="77070100")
    assert caught.value.field == "kpp"
