"""Our own company (the 1C «Организация») that every exported document belongs to.

Why it is required: a 1C base may keep the books of several companies, and a document
without its organisation would be posted to whichever one 1C picks. The requisites are the
seller's requisites of the documents (``api/company.py``: ``LBX_COMPANY_FILE`` or
``company.yaml`` in the data folder, dated versions), taken in the version valid on each
document's date, like the printed invoice; without that file, ``LBX_OWN_INN`` alone (1C
then finds the organisation by its ИНН).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from api.company import CompanyProfileMissing, load_company
from ledger.errors import Conflict

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import date

    from api.settings import Settings


class SellerUnknown(Conflict):
    """Raised when a 1C file is asked for but our company's ИНН is configured nowhere."""

    title = "Seller requisites not configured"
    template = ("set LBX_COMPANY_FILE (see docs/documents.md) or LBX_OWN_INN: a 1C document "
                "must name the organisation it belongs to")


@dataclass(frozen=True)
class Organisation:
    """Our company's name and tax ids as 1C matches them."""

    inn: str
    name: str = ""
    kpp: str = ""


def organisations(settings: Settings) -> Callable[[date], Organisation]:
    """Our organisation as of a document's date.

    Raises:
        SellerUnknown: neither the company file nor ``LBX_OWN_INN`` gives an ИНН.
        CompanyProfileInvalid: the company file is there but wrong (answered 422).
    """
    try:
        book = load_company(settings)
    except CompanyProfileMissing:
        if not settings.own_inn:
            raise SellerUnknown from None
        only = Organisation(inn=settings.own_inn)
        return lambda _day: only

    def on(day: date) -> Organisation:
        profile = book.as_of(day)
        return Organisation(inn=profile.inn, name=profile.name, kpp=profile.kpp or "")

    return on
