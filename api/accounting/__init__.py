"""Accounting out: a period's sales and payments for 1C:Бухгалтерия, as XML and as XLSX.

Design overview:

- ``period.py`` checks the period and settles the cut-off ``as_known_at`` (recorded time)
  that makes an export reproducible;
- ``register.py`` reads every customer's history from the event log, cut at that instant,
  and picks the period's sales, corrections and payments in a fixed order;
- ``enterprise_data.py`` writes the register as a 1C EnterpriseData message;
- ``workbook.py`` writes it as a workbook for the accountant;
- ``organisation.py`` says which company (1C «Организация») the documents belong to.

The HTTP routes (``api/routes/accounting.py``), the CLI and the web workspace call the
functions below; none of them writes anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.accounting.enterprise_data import enterprise_data
from api.accounting.organisation import organisations
from api.accounting.period import ExportPeriod, resolve_period
from api.accounting.register import Register, read_register
from api.accounting.workbook import workbook

if TYPE_CHECKING:
    from datetime import date, datetime

    from api.bootstrap import Services

__all__ = ["ExportPeriod", "Register", "export_1c_xlsx", "export_1c_xml", "export_period",
           "export_register"]


def export_period(
    services: Services, period_from: date, period_to: date, as_known_at: datetime | None = None
) -> ExportPeriod:
    """The checked period and its cut-off (the default one when ``as_known_at`` is None).

    Raises:
        InvalidField: naming ``from``, ``to`` or ``as_known_at``.
    """
    return resolve_period(period_from, period_to, as_known_at, clock=services.runtime.clock,
                          zone=services.settings.timezone)


def export_register(services: Services, period: ExportPeriod) -> Register:
    """What the period holds as known at its cut-off."""
    return read_register(services.ledger, period)


def export_1c_xml(
    services: Services, period_from: date, period_to: date, as_known_at: datetime | None = None,
    *, payments: bool = True,
) -> bytes:
    """The period's counterparties, sales and payments as a 1C EnterpriseData XML file.

    ``payments=False`` leaves the payments out: a base that loads the bank statement
    already has them.

    Raises:
        InvalidField: a bad period or cut-off (naming the field).
        SellerUnknown: our company's ИНН is not configured.
        CompanyProfileInvalid: the company file is there but wrong.
        VatRateNotIn1C: a document carries a rate 1C has no value for.
    """
    seller = organisations(services.settings)
    period = export_period(services, period_from, period_to, as_known_at)
    return enterprise_data(export_register(services, period), seller, with_payments=payments)


def export_1c_xlsx(
    services: Services, period_from: date, period_to: date, as_known_at: datetime | None = None
) -> bytes:
    """The period's sales, corrections, payments, counterparties and VAT as an XLSX workbook.

    Raises:
        InvalidField: a bad period or cut-off (naming the field).
    """
    period = export_period(services, period_from, period_to, as_known_at)
    return workbook(export_register(services, period))
