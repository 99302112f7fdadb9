"""One 1C ``СекцияДокумент`` into one ``BankLine``, with a warning for every guess made.

A document that cannot become a line (no valid ``Сумма`` or ``Дата``) is skipped with a
warning rather than failing the file: the accountant still gets the rest of the day's
payments, and the warning tells which document to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ledger.bankfiles.amounts import (
    DEFAULT_CURRENCY,
    currency_of_account,
    normalize_account,
    read_amount,
    read_date,
)
from ledger.bankfiles.homoglyphs import mixed_script_words
from ledger.bankfiles.model import BankLine, Direction
from ledger.bankfiles.onec_text import line_list
from ledger.errors import InvalidAmount

if TYPE_CHECKING:
    from datetime import date

    from ledger.bankfiles.onec_sections import Section
    from ledger.money import Money

#: ``ВидОплаты`` codes and the document kinds they stand for, used when the section
#: marker names no kind.
KIND_BY_CODE = {
    "01": "Платежное поручение",
    "02": "Платежное требование",
    "06": "Инкассовое поручение",
    "16": "Платежный ордер",
    "17": "Банковский ордер",
}
_PURPOSE_PARTS = tuple(f"НазначениеПлатежа{n}" for n in range(1, 7))
_ABSENT = frozenset({"0"})  # individuals often get ИНН=0 / КПП=0: nothing, not a number


@dataclass(frozen=True, slots=True)
class Party:
    """One side of a payment document, read from its own fields (never the composite name)."""

    name: str | None
    inn: str | None
    kpp: str | None
    account: str | None
    bik: str | None


@dataclass(slots=True)
class Context:
    """What documents share while a file is read: our accounts and the warnings so far."""

    own_accounts: frozenset[str]
    declared_kinds: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    whole_amounts: list[int] = field(default_factory=list)
    currencies: dict[str, str] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        """Record a warning in file order."""
        self.notes.append(message)

    def warnings(self) -> tuple[str, ...]:
        """All warnings, with the whole-ruble amounts gathered into one."""
        if not self.whole_amounts:
            return tuple(self.notes)
        whole = f"{line_list(self.whole_amounts)}: whole-number amounts without kopecks"
        return (*self.notes, whole)

    def currency(self, account: str, line: int) -> str:
        """The account's currency from digits 6-8; RUB with a warning once per account."""
        key = normalize_account(account)
        if key not in self.currencies:
            found = currency_of_account(account)
            if found is None:
                self.warn(
                    f"line {line}: account {account} names no currency we know in digits 6-8;"
                    f" amounts read as {DEFAULT_CURRENCY}"
                )
            self.currencies[key] = found or DEFAULT_CURRENCY
        return self.currencies[key]

    def amount(self, section: Section, key: str, currency: str) -> Money | None:
        """Read an amount field; warn and return ``None`` when it is not money."""
        text = section.get(key)
        if text is None:
            return None
        line = section.line_of(key)
        try:
            amount = read_amount(text, currency)
        except InvalidAmount as error:
            self.warn(f"line {line}: {key}={text} is not an amount ({error.detail})")
            return None
        if "," in text:
            self.warn(f"line {line}: {key} uses a decimal comma")
        elif "." not in text:
            self.whole_amounts.append(line)
        return amount

    def date_field(self, section: Section, key: str) -> date | None:
        """Read a date field; warn and return ``None`` when it is not ``ДД.ММ.ГГГГ``."""
        text = section.get(key)
        return None if text is None else self.header_date(section.line_of(key), text, key)

    def header_date(self, line: int, text: str, key: str = "date") -> date | None:
        """Read a date found on a given line; warn when it is not one."""
        found = read_date(text)
        if found is None:
            self.warn(f"line {line}: {key}={text} is not a date")
        return found

    def is_ours(self, account: str | None) -> bool:
        """Tell whether an account number is one of ours."""
        return account is not None and normalize_account(account) in self.own_accounts


def document_line(doc: Section, context: Context) -> BankLine | None:
    """Turn one document into a line, or skip it (with a warning) when it has no amount."""
    payer, recipient = _party(doc, "Плательщик"), _party(doc, "Получатель")
    direction = _direction(doc, payer, recipient, context)
    account = (recipient if direction == "in" else payer).account
    if account is None:
        context.warn(f"line {doc.start}: document skipped: no account number on our side")
        return None
    booked_on = _booked_on(doc, direction, context)
    document_date = read_date(doc.get("Дата") or "")
    amount = context.amount(doc, "Сумма", context.currency(account, doc.start))
    if amount is None or booked_on is None or amount.is_negative:
        context.warn(f"line {doc.start}: document skipped: no valid Сумма or Дата")
        return None
    other = payer if direction == "in" else recipient
    return BankLine(
        account=account,
        booked_on=booked_on,
        number=doc.get("Номер") or "",
        amount=amount,
        direction=direction,
        counterparty_name=other.name,
        counterparty_inn=other.inn,
        counterparty_kpp=other.kpp,
        counterparty_account=other.account,
        counterparty_bik=other.bik,
        purpose=_purpose(doc, context),
        kind=_kind(doc, context),
        raw="\n".join(doc.raw),
        operation_code=doc.get("ВидОплаты"),
        document_date=document_date,
    )


def _party(doc: Section, side: str) -> Party:
    def code(key: str) -> str | None:
        value = doc.get(key)
        return None if value in _ABSENT else value

    return Party(
        name=doc.get(f"{side}1") or doc.get(side),
        inn=code(f"{side}ИНН"),
        kpp=code(f"{side}КПП"),
        account=doc.get(f"{side}Счет") or doc.get(f"{side}РасчСчет"),
        bik=doc.get(f"{side}БИК"),
    )


def _direction(doc: Section, payer: Party, recipient: Party, context: Context) -> Direction:
    paid_by_us, paid_to_us = context.is_ours(payer.account), context.is_ours(recipient.account)
    if paid_to_us != paid_by_us:
        return "in" if paid_to_us else "out"
    credited, debited = doc.get("ДатаПоступило"), doc.get("ДатаСписано")
    direction: Direction = "in" if credited and not debited else "out"
    if not paid_by_us:  # neither side is ours
        if credited or debited:
            source = "ДатаПоступило" if direction == "in" else "ДатаСписано"
            how = f"taken as {'incoming' if direction == 'in' else 'outgoing'} from {source}"
        else:
            how = "taken as outgoing"
        context.warn(
            f"line {doc.start}: neither the payer account {payer.account} nor the recipient"
            f" account {recipient.account} is one of ours; {how}"
        )
    return direction


def _booked_on(doc: Section, direction: Direction, context: Context) -> date | None:
    key = "ДатаПоступило" if direction == "in" else "ДатаСписано"
    if doc.get(key) is not None:
        return context.date_field(doc, key)
    document_date = context.date_field(doc, "Дата")
    if document_date is not None:
        context.warn(f"line {doc.start}: no {key}; booked on the document date (Дата)")
    return document_date


def _kind(doc: Section, context: Context) -> str:
    if doc.kind:
        return doc.kind
    declared = sorted(set(context.declared_kinds))
    if len(declared) == 1:
        kind, source = declared[0], "the header's Документ="
    elif (code := doc.get("ВидОплаты")) in KIND_BY_CODE:
        kind, source = KIND_BY_CODE[code or ""], f"ВидОплаты={code}"
    else:
        kind, source = "", None
    assumed = f"; assumed {kind!r} from {source}" if source else ""
    context.warn(f"line {doc.start}: СекцияДокумент names no document kind{assumed}")
    return kind


def _purpose(doc: Section, context: Context) -> str:
    purpose = doc.get("НазначениеПлатежа")
    if purpose is None:
        purpose = " ".join(part for key in _PURPOSE_PARTS if (part := doc.get(key)))
    if mixed := mixed_script_words(purpose):
        context.warn(
            f"line {doc.line_of('НазначениеПлатежа')}: НазначениеПлатежа mixes Latin and"
            f" Cyrillic letters in {', '.join(repr(word) for word in mixed)}"
        )
    return purpose
