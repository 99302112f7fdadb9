"""The seller's requisites (реквизиты) for documents, kept as dated versions in one file.

Why versions: an invoice rendered again years later must say what it said the day it was
issued. Companies move, change banks and directors; if documents read "the current
requisites", every old invoice would silently change. So the company file holds a history,
each version with ``valid_from``, and a document takes the version valid on its own date.
Changing requisites means *adding* a version, never editing an old one.

The file is ``Settings.company_file`` (``LBX_COMPANY_FILE``), else
``<data dir>/company.yaml`` when it exists. YAML or JSON (by suffix), either one profile
(valid from the beginning of time) or ``{"versions": [...]}``. Russian requisites are
checked with ``ledger.requisites`` (check digits of ИНН and ОГРН, shapes of КПП and БИК,
the account keys against the БИК) when the company's country is RU.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ledger.errors import InvalidField, Rejected, Term
from ledger.requisites import check_requisites

if TYPE_CHECKING:
    from api.settings import Settings

BEGINNING = date(2000, 1, 1)
"""``valid_from`` of a profile that does not say: before any business date LBX accepts."""
DEFAULT_FILE = "company.yaml"
COMPANY_FILE = Term("company file")
"""How a refusal names the company file when it is read from data, not from a path."""

Text = Annotated[str, Field(min_length=1, max_length=500)]


class CompanyProfileMissing(Rejected):
    """Raised when a document needs the seller's requisites and none are configured."""

    title = "Company requisites missing"
    template = ("no company requisites: set LBX_COMPANY_FILE or put company.yaml in the data"
                " folder (see docs/documents.md)")


class CompanyProfileInvalid(Rejected):
    """Raised when the company file cannot be read or a requisite in it is wrong."""

    title = "Company requisites invalid"
    template = "{path}: {why}"


class CompanyProfile(BaseModel):
    """One version of the seller's requisites, valid from ``valid_from`` until the next.

    Russian fields keep their Russian meaning; for a seller outside Russia ``inn`` is the
    tax id, ``bik`` the bank code (SWIFT/BIC), ``account`` the IBAN or account number, and
    they are printed with English labels (``language="en"``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_from: date = BEGINNING
    name: Text
    inn: Text
    kpp: Text | None = None
    ogrn: Text | None = None
    address: Text
    bank_name: Text
    bik: Text
    correspondent_account: Text | None = None
    account: Text
    director: Text
    accountant: Text | None = None
    logo: Path | None = Field(None, description="PNG or JPEG, relative to the company file")
    language: Literal["ru", "en"] = "ru"
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] = "RU"
    phone: Text | None = None
    email: Text | None = None

    @model_validator(mode="after")
    def _russian_requisites(self) -> CompanyProfile:
        """Check digits and shapes of Russian requisites (a typo must not reach an invoice)."""
        if self.country != "RU":
            return self
        check_requisites(inn=self.inn, kpp=self.kpp, ogrn=self.ogrn, bik=self.bik,
                         account=self.account, correspondent_account=self.correspondent_account)
        return self


class CompanyBook(BaseModel):
    """Every version of the seller's requisites, oldest first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    versions: Annotated[list[CompanyProfile], Field(min_length=1)]

    @field_validator("versions")
    @classmethod
    def _in_date_order(cls, versions: list[CompanyProfile]) -> list[CompanyProfile]:
        """Sort by ``valid_from``; two versions from one day would make a document ambiguous."""
        days = [v.valid_from for v in versions]
        if len(set(days)) != len(days):
            raise ValueError("two versions are valid from the same day")
        return sorted(versions, key=lambda v: v.valid_from)

    def as_of(self, day: date) -> CompanyProfile:
        """The version in force on ``day`` (the latest ``valid_from`` on or before it).

        Raises:
            CompanyProfileMissing: every version starts after ``day``.
        """
        found = [v for v in self.versions if v.valid_from <= day]
        if not found:
            raise CompanyProfileMissing(
                "no company requisites valid on {day}: set LBX_COMPANY_FILE or put company.yaml"
                " in the data folder (see docs/documents.md)", day=day)
        return found[-1]

    def to_data(self) -> dict[str, Any]:
        """The book as plain data, the shape the file holds."""
        return {"versions": [v.model_dump(mode="json", exclude_none=True)
                             for v in self.versions]}


def company_path(settings: Settings) -> Path | None:
    """Where the company file is: the configured one, else the data folder's if it exists."""
    if settings.company_file is not None:
        return settings.company_file
    default = settings.data_dir / DEFAULT_FILE
    return default if default.exists() else None


def parse_company(data: Any, *, base: Path | None = None) -> CompanyBook:
    """Read a company book from plain data (one profile, or ``{"versions": [...]}``).

    ``base`` resolves relative logo paths (the company file's folder).

    Raises:
        CompanyProfileInvalid: a field is missing or wrong (the message names it).
    """
    if isinstance(data, dict) and "versions" not in data:
        data = {"versions": [data]}
    try:
        book = CompanyBook.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        problem = first["msg"].removeprefix("Value error, ")  # pydantic's, not ours
        raise CompanyProfileInvalid(path=COMPANY_FILE, why="{where}: {problem}", where=where,
                                    problem=problem) from None
    except InvalidField as error:  # a requisite failing its check: its reason, with its facts
        # (its wording is "{why}" and the why is among its facts; a bare wording is the why)
        raise CompanyProfileInvalid(path=COMPANY_FILE,
                                    **{"why": error.wording, **error.facts}) from None
    if base is None:
        return book
    return CompanyBook(versions=[
        v.model_copy(update={"logo": base / v.logo}) if v.logo and not v.logo.is_absolute()
        else v for v in book.versions])


def load_company(settings: Settings) -> CompanyBook:
    """The company book configured for these settings.

    Raises:
        CompanyProfileMissing: no file is configured and the data folder holds none.
        CompanyProfileInvalid: the file cannot be read or a requisite is wrong.
    """
    path = company_path(settings)
    if path is None:
        raise CompanyProfileMissing
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise CompanyProfileInvalid("{path}: {unreadable}", path=str(path),
                                    unreadable=str(error)) from None
    try:
        return parse_company(data, base=path.parent)
    except CompanyProfileInvalid as error:  # the same refusal, said of this file
        raise CompanyProfileInvalid("{file}: {path}: {why}", file=str(path),
                                    **error.facts) from None


def demo_company_profile() -> CompanyBook:
    """The demo seller: made-up requisites that pass every check digit.

    Two versions, so the demo shows reproducible documents: the company moved office and
    bank on 1 September 2026, and invoices issued before then still print the old ones.
    """
    first = CompanyProfile(
        valid_from=BEGINNING, name="ООО «ЛБХ Софт»", inn="7709543218", kpp="770901001",
        ogrn="1027700123450", address="105064, г. Москва, ул. Земляной Вал, д. 9, офис 301",
        bank_name="ПАО Сбербанк, г. Москва", bik="044525225",
        correspondent_account="30101810400000000225", account="40702810938000012345",
        director="Соколов Андрей Викторович", accountant="Белова Ирина Сергеевна",
        phone="+7 495 000-00-00", email="billing@lbx.example.ru",
    )
    second = first.model_copy(update={
        "valid_from": date(2026, 9, 1),
        "address": "105005, г. Москва, ул. Бауманская, д. 7, стр. 1, офис 12",
        "bank_name": "АО «ТБанк», г. Москва", "bik": "044525974",
        "correspondent_account": "30101810145250000974", "account": "40702810010000098765",
    })
    return CompanyBook(versions=[first, second])


def write_demo_company(settings: Settings) -> Path:
    """Write the demo seller to the company file (unless one is already there); return it.

    An existing file is never overwritten: it may be a real company's requisites.
    """
    path = settings.company_file or settings.data_dir / DEFAULT_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = demo_company_profile().to_data()
        text = (json.dumps(data, ensure_ascii=False, indent=2) if path.suffix == ".json"
                else yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        path.write_text(text, encoding="utf-8")
    return path
