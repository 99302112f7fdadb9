"""Bank import vocabulary for tests: the shared samples, customers with invoices, payments.

Synthetic statements are 1CClientBankExchange files in cp1251 built with the unit tests'
``onec_file``/``onec_document``: incoming payment orders to ``OUR_ACCOUNT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.bank_directory import import_bank_file
from commands.record_charge import RecordCharge
from tests.support.dsl import register, send
from tests.unit.bankfiles.samples import OUR_ACCOUNT, onec_document, onec_file

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from commands.import_bank_statement import ImportReport

SAMPLES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "bank"
ROMASHKA_INN = "7707049388"
ROMASHKA_KPP = "770701001"


def sample(name: str) -> bytes:
    """The bytes of a shared bank sample (``<repo>/../shared/samples/bank``)."""
    return (SAMPLES_DIR / name).read_bytes()


@dataclass(frozen=True)
class Billed:
    """A customer with one issued invoice."""

    customer_id: UUID
    invoice_id: str
    number: str
    total: str


def billed(services: Services, key: str, *, inn: str = ROMASHKA_INN, kpp: str | None = None,
           amount: str = "10000.00", name: str | None = None) -> Billed:
    """Register a customer under ``inn`` and invoice it once (an invoice is issued at once)."""
    customer = register(services, key, name=name or f"ООО {key}", inn=inn, kpp=kpp)
    return invoice(services, customer, amount)


def invoice(services: Services, customer: UUID, amount: str = "10000.00") -> Billed:
    """Charge a registered customer once; the invoice is issued at once."""
    result = send(services, RecordCharge(customer_id=customer, amount=amount,
                                         description="Услуги")).result
    return Billed(customer, result["invoice_id"], result["number"], result["total"])


def paid(number: str, amount: str, purpose: str, *, inn: str = ROMASHKA_INN,
         kpp: str = ROMASHKA_KPP, credited: str = "12.01.2026") -> list[str]:
    """An incoming payment order to our account."""
    document = onec_document(number=number, amount=amount, purpose=purpose, payer_inn=inn,
                             credited=credited)
    return [f"ПлательщикКПП={kpp}" if line.startswith("ПлательщикКПП=") else line
            for line in document]


def statement(*documents: list[str]) -> bytes:
    """A cp1251 1C statement of our account holding ``documents``."""
    return onec_file(*documents)


def run_import(services: Services, data: bytes, **options: Any) -> ImportReport:
    """Import as an accountant would, with our account configured."""
    options.setdefault("own_accounts", [OUR_ACCOUNT])
    return import_bank_file(services, data, actor="accountant:anna", source="import", **options)


def camt(*entries: str, account: str = OUR_ACCOUNT) -> bytes:
    """A camt.053 statement of ``account`` in rubles holding ``entries`` (see :func:`entry`)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt><Stmt>
    <Acct><Id><Othr><Id>{account}</Id></Othr></Id><Ccy>RUB</Ccy></Acct>
    {"".join(entries)}
  </Stmt></BkToCstmrStmt>
</Document>""".encode()


def transfer(amount: str | None, name: str, inn: str, purpose: str, ref: str) -> str:
    """A ``TxDtls`` of a payer with a ИНН (``amount`` None: the bank gave none)."""
    amt = f'<AmtDtls><TxAmt><Amt Ccy="RUB">{amount}</Amt></TxAmt></AmtDtls>' if amount else ""
    return f"""<TxDtls><Refs><EndToEndId>{ref}</EndToEndId></Refs>{amt}
      <RltdPties><Dbtr><Nm>{name}</Nm><Id><OrgId><Othr><Id>{inn}</Id>
        <SchmeNm><Cd>TXID</Cd></SchmeNm></Othr></OrgId></Id></Dbtr></RltdPties>
      <RmtInf><Ustrd>{purpose}</Ustrd></RmtInf></TxDtls>"""


def entry(amount: str, indicator: str, *details: str, reversal: bool = False,
          ref: str = "E1", on: str = "2026-01-12") -> str:
    """A booked ``Ntry`` (``CRDT`` money in, ``DBIT`` out; ``reversal``: ``RvslInd``)."""
    mark = "<RvslInd>true</RvslInd>" if reversal else ""
    return f"""<Ntry><NtryRef>{ref}</NtryRef><Amt Ccy="RUB">{amount}</Amt>
      <CdtDbtInd>{indicator}</CdtDbtInd>{mark}<Sts>BOOK</Sts>
      <BookgDt><Dt>{on}</Dt></BookgDt>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>
      </BkTxCd><NtryDtls>{"".join(details)}</NtryDtls></Ntry>"""
