"""The seller's requisites file: versions by date, checked requisites, the demo company."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import pytest
import yaml

from api.company import (
    CompanyProfileInvalid,
    CompanyProfileMissing,
    company_path,
    demo_company_profile,
    load_company,
    parse_company,
    write_demo_company,
)
from api.settings import Settings
from ledger.requisites import account_is_valid, inn_is_valid, ogrn_is_valid

if TYPE_CHECKING:
    from pathlib import Path

ONE = {
    "name": "ООО «Пример»", "inn": "7707049388", "kpp": "770701001", "ogrn": "1027700132195",
    "address": "г. Москва", "bank_name": "ПАО Сбербанк", "bik": "044525225",
    "correspondent_account": "30101810400000000225", "account": "40702810938000012345",
    "director": "Иванов И. И.",
}


def settings(tmp_path: Path, company_file: Path | None = None) -> Settings:
    return replace(Settings.from_env({"LBX_DATA_DIR": str(tmp_path)}), company_file=company_file)


def test_one_profile_is_valid_from_the_beginning() -> None:
    book = parse_company(ONE)
    assert book.as_of(date(2026, 1, 1)).name == "ООО «Пример»"
    assert book.as_of(date(2000, 1, 1)).language == "ru"


def test_a_document_takes_the_version_valid_on_its_date() -> None:
    later = {**ONE, "valid_from": "2026-09-01", "address": "г. Санкт-Петербург"}
    book = parse_company({"versions": [later, {**ONE, "valid_from": "2025-01-01"}]})
    assert book.as_of(date(2026, 8, 31)).address == "г. Москва"
    assert book.as_of(date(2026, 9, 1)).address == "г. Санкт-Петербург"
    with pytest.raises(CompanyProfileMissing):
        book.as_of(date(2024, 12, 31))


@pytest.mark.parametrize(("field", "value", "named"), [
    ("inn", "7707049389", "ИНН"),
    ("kpp", "7707010", "КПП"),
    ("ogrn", "1027700132196", "ОГРН"),
    ("bik", "123456789", "БИК"),
    ("account", "40702810938000012346", "account"),
    ("correspondent_account", "30101810400000000226", "account"),
    ("inn", "７７０７０４９３８８", "ИНН"),  # full-width digits, pasted from a CRM
    ("kpp", "７７０７０１００１", "КПП"),
    ("bik", "04452522５", "БИК"),
])
def test_a_wrong_russian_requisite_is_refused_naming_it(field: str, value: str,
                                                         named: str) -> None:
    with pytest.raises(CompanyProfileInvalid) as caught:
        parse_company({**ONE, field: value})
    assert named in caught.value.detail


def test_a_settlement_and_a_correspondent_account_swapped_are_refused() -> None:
    swapped = {**ONE, "account": ONE["correspondent_account"],
               "correspondent_account": ONE["account"]}
    with pytest.raises(CompanyProfileInvalid) as caught:
        parse_company(swapped)
    assert "not a bank's 30101… correspondent account" in caught.value.detail


def test_a_foreign_seller_is_not_held_to_russian_check_digits() -> None:
    book = parse_company({**ONE, "country": "DE", "language": "en", "inn": "DE123456789",
                          "kpp": None, "bik": "DEUTDEFF", "account": "DE89370400440532013000",
                          "correspondent_account": None})
    assert book.as_of(date(2026, 1, 1)).language == "en"


def test_missing_fields_and_two_versions_of_one_day_are_refused() -> None:
    with pytest.raises(CompanyProfileInvalid, match="director"):
        parse_company({k: v for k, v in ONE.items() if k != "director"})
    with pytest.raises(CompanyProfileInvalid, match="same day"):
        parse_company({"versions": [ONE, ONE]})


def test_the_file_is_yaml_or_json_and_the_logo_is_relative_to_it(tmp_path: Path) -> None:
    as_json = tmp_path / "seller.json"
    as_json.write_text(json.dumps({**ONE, "logo": "logo.png"}), encoding="utf-8")
    logo = load_company(settings(tmp_path, as_json)).as_of(date(2026, 1, 1)).logo
    assert logo == tmp_path / "logo.png"
    as_yaml = tmp_path / "company.yaml"
    as_yaml.write_text(yaml.safe_dump({"versions": [ONE]}, allow_unicode=True), encoding="utf-8")
    assert company_path(settings(tmp_path)) == as_yaml  # found in the data folder
    assert load_company(settings(tmp_path)).as_of(date(2026, 1, 1)).inn == "7707049388"


def test_without_a_file_documents_cannot_name_the_seller(tmp_path: Path) -> None:
    with pytest.raises(CompanyProfileMissing):
        load_company(settings(tmp_path))
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(CompanyProfileInvalid):
        load_company(settings(tmp_path, broken))


def test_the_demo_company_passes_every_check_and_is_written_once(tmp_path: Path) -> None:
    for version in demo_company_profile().versions:
        assert inn_is_valid(version.inn)
        assert version.ogrn is not None
        assert ogrn_is_valid(version.ogrn)
        assert account_is_valid(version.account, version.bik)
    path = write_demo_company(settings(tmp_path))
    assert path == tmp_path / "company.yaml"
    assert load_company(settings(tmp_path)) == demo_company_profile()
    path.write_text(yaml.safe_dump(ONE, allow_unicode=True), encoding="utf-8")
    write_demo_company(settings(tmp_path))  # a real company's file is never overwritten
    assert load_company(settings(tmp_path)).as_of(date(2026, 1, 1)).name == "ООО «Пример»"
