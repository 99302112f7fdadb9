"""Registers for the accountant's spreadsheet and 1C: invoices, payments, debts, statements.

Each register is read from the views with the same queries the JSON API answers with
(``projections.queries``), all pages of them, into a typed :class:`~api.documents.tables.Table`;
``tables`` then writes it as CSV or XLSX, so both formats always carry the same rows.
Every money column sits beside a ``currency`` column: a register may hold several
currencies, and adding them up is the reader's decision, not ours.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError

from api.bodies import BusinessDate
from api.documents.tables import MEDIA_TYPES, Column, Export, Table, write_csv, write_xlsx
from ledger.errors import CustomerNotFound, InvalidField
from ledger.money import Money
from projections import queries
from projections.queries import InvoiceStatus

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from api.bootstrap import Services
    from projections.queries import Page

Register = Literal["invoices", "payments", "debts", "statement"]
Format = Literal["csv", "xlsx"]
REGISTERS: tuple[Register, ...] = ("invoices", "payments", "debts", "statement")
PAGE = 500


class Filters(BaseModel):
    """What a register may be filtered by; each register reads the filters it knows."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: UUID | None = None
    date_from: BusinessDate | None = None
    date_to: BusinessDate | None = None
    status: InvoiceStatus | None = None
    currency: str | None = None
    as_of: BusinessDate | None = None


def export_register(services: Services, register: Register, fmt: Format,
                    **filters: Any) -> Export:
    """Read one register from the views and write it as CSV or XLSX.

    Filters: ``customer_id``; ``date_from``/``date_to`` (issue date of invoices, receipt
    date of payments, the statement's period — required there); ``status`` (invoices);
    ``as_of`` and ``currency`` (debts).

    Raises:
        InvalidField: an unknown register, format or filter, or a bad filter value.
        CustomerNotFound: the statement's customer does not exist.
    """
    if register not in REGISTERS:
        raise InvalidField(field="register", why="one of {registers}",
                           registers=", ".join(REGISTERS))
    if fmt not in MEDIA_TYPES:
        raise InvalidField(field="format", why="csv or xlsx")
    try:
        chosen = Filters.model_validate(filters)
    except ValidationError as error:
        first = error.errors()[0]
        problem = str(first["msg"]).removeprefix("Value error, ")  # pydantic's, not ours
        raise InvalidField(field=".".join(str(p) for p in first["loc"]) or "filters",
                           why="{problem}", problem=problem) from None
    table = READERS[register](services, chosen)
    content = write_csv(table) if fmt == "csv" else write_xlsx(table, services.runtime.clock.now())
    return Export(content, MEDIA_TYPES[fmt], f"{table.name}.{fmt}")


# -- readers ------------------------------------------------------------------------------------


def _all(fetch: Callable[[str | None], Page]) -> Iterator[dict[str, Any]]:
    """Every row of a paginated query, page after page."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class _Directory:
    """Customers' names and requisites, read in batches, each once per export."""

    BATCH = 500

    def __init__(self, services: Services) -> None:
        self._store = services.store
        self._known: dict[str, dict[str, Any]] = {}

    def load(self, customer_ids: Iterable[str]) -> None:
        """Read the rows of ``customer_ids`` not yet read, one query per batch."""
        wanted = sorted({c for c in customer_ids if c not in self._known})
        for start in range(0, len(wanted), self.BATCH):
            part = wanted[start:start + self.BATCH]
            names = {f"c{i}": customer_id for i, customer_id in enumerate(part)}
            marks = ", ".join(f":{name}" for name in names)
            sql = ("SELECT customer_id, external_key, name, inn, kpp FROM view_customers"  # noqa: S608
                   f" WHERE customer_id IN ({marks})")  # (bound parameters only)
            rows = self._store.query(sql, names)
            self._known.update({r["customer_id"]: r for r in rows})
            self._known.update({c: {} for c in part if c not in self._known})

    def __call__(self, customer_id: str) -> dict[str, Any]:
        if customer_id not in self._known:
            self.load([customer_id])
        return self._known[customer_id]


INVOICE_COLUMNS = (
    Column("number"), Column("status"), Column("issued_on", "date"), Column("due_on", "date"),
    Column("period_start", "date"), Column("period_end", "date"), Column("customer_id"),
    Column("external_key"), Column("customer"), Column("inn"), Column("kpp"),
    Column("currency"), Column("subtotal", "money"), Column("discount", "money"),
    Column("net", "money"), Column("vat", "money"), Column("total", "money"),
    Column("paid", "money"), Column("credited", "money"), Column("written_off", "money"),
    Column("open", "money"),
)


def read_invoices(services: Services, f: Filters) -> Table:
    """The invoice register by number; status as of the service's business date."""
    today, who = services.runtime.clock.today().isoformat(), _Directory(services)
    rows = list(_all(lambda cursor: queries.invoices(
        services.store, today=today, status=f.status,
        customer_id=str(f.customer_id) if f.customer_id else None,
        period_from=f.date_from.isoformat() if f.date_from else None,
        period_to=f.date_to.isoformat() if f.date_to else None, limit=PAGE, cursor=cursor)))
    who.load(r["customer_id"] for r in rows)
    table = Table("invoices", INVOICE_COLUMNS)
    for r in rows:
        cur, c = r["currency"], who(r["customer_id"])
        m = {k: Money(int(r[k]), cur) for k in ("subtotal", "discount_total", "vat_total",
                                               "total", "paid", "credited", "written_off",
                                               "open")}
        table.rows.append((
            r["number"], r["status"], _day(r["issued_on"]), _day(r["due_on"]),
            _day(r["period_start"]), _day(r["period_end"]), r["customer_id"],
            c.get("external_key"), c.get("name"), c.get("inn"), c.get("kpp"), cur,
            m["subtotal"], m["discount_total"], m["total"] - m["vat_total"], m["vat_total"],
            m["total"], m["paid"], m["credited"], m["written_off"], m["open"]))
    return table


PAYMENT_COLUMNS = (
    Column("received_on", "date"), Column("payment_id"), Column("customer_id"),
    Column("external_key"), Column("customer"), Column("payer_name"), Column("payer_inn"),
    Column("reference"), Column("method"), Column("source"), Column("currency"),
    Column("amount", "money"),
)


def read_payments(services: Services, f: Filters) -> Table:
    """Every payment received, in recording order."""
    who = _Directory(services)
    rows = list(_all(lambda cursor: queries.register(
        services.store, "view_payments", customer_id=str(f.customer_id) if f.customer_id
        else None, date_column="received_on",
        date_from=f.date_from.isoformat() if f.date_from else None,
        date_to=f.date_to.isoformat() if f.date_to else None, tiebreak="payment_id",
        limit=PAGE, cursor=cursor)))
    who.load(r["customer_id"] for r in rows)
    table = Table("payments", PAYMENT_COLUMNS)
    for r in rows:
        c = who(r["customer_id"])
        table.rows.append((
            _day(r["received_on"]), r["payment_id"], r["customer_id"], c.get("external_key"),
            c.get("name"), r["payer_name"], r["payer_inn"], r["reference"], r["method"],
            r["source"], r["currency"], Money(int(r["amount"]), r["currency"])))
    return table


AGED = (*queries.AGING_BUCKETS, "unapplied", "total")
"""The money columns of the aging export: the buckets and unapplied add up to the total."""


def read_debts(services: Services, f: Filters) -> Table:
    """Open invoice amounts by days overdue (aging) as of a day, per customer."""
    as_of = f.as_of or services.runtime.clock.today()
    found = queries.aging(services.store, as_of, f.currency)
    columns = (Column("as_of", "date"), Column("customer_id"), Column("external_key"),
               Column("customer"), Column("status"), Column("currency"),
               *(Column(b, "money") for b in AGED))
    table = Table(f"debts-{as_of.isoformat()}", columns)
    for r in found["customers"]:
        cur = r["currency"]
        table.rows.append((
            as_of, r["customer_id"], r["external_key"], r["name"], r["status"], cur,
            *(Money(int(r[b]), cur) for b in AGED)))
    return table


STATEMENT_COLUMNS = (
    Column("date", "date"), Column("kind"), Column("document"), Column("description"),
    Column("currency"), Column("debit", "money"), Column("credit", "money"),
    Column("balance", "money"),
)


def read_statement(services: Services, f: Filters) -> Table:
    """A statement of account: opening balance, every movement, closing balance, per currency.

    The same rows as ``GET /v1/customers/{id}/statement?format=csv``.
    """
    if f.customer_id is None:
        raise InvalidField(field="customer_id", why="a statement is of one customer")
    if f.date_from is None or f.date_to is None:
        raise InvalidField(field="date_from" if f.date_from is None else "date_to",
                           why="a statement covers a period: give date_from and date_to")
    if f.date_from > f.date_to:
        raise InvalidField(field="date_from", why="the period starts after it ends")
    found = queries.statement(services.store, str(f.customer_id), f.date_from, f.date_to)
    if found is None:
        raise CustomerNotFound(customer=str(f.customer_id))
    key = found["customer"]["external_key"]
    table = Table(f"statement-{key}-{found['date_from']}-{found['date_to']}", STATEMENT_COLUMNS)
    for t in found["totals"]:
        table.rows.append((f.date_from, "opening", "", "Opening balance", t["currency"], None,
                           None, Money(t["opening"], t["currency"])))
    for line in found["lines"]:
        cur = line["currency"]
        table.rows.append((
            _day(line["occurred_on"]), line["kind"], line["document"], line["description"], cur,
            Money(line["debit"], cur), Money(line["credit"], cur), Money(line["balance"], cur)))
    for t in found["totals"]:
        cur = t["currency"]
        table.rows.append((f.date_to, "closing", "", "Closing balance", cur,
                           Money(t["debit"], cur), Money(t["credit"], cur),
                           Money(t["closing"], cur)))
    return table


READERS: dict[str, Callable[[Services, Filters], Table]] = {
    "invoices": read_invoices, "payments": read_payments, "debts": read_debts,
    "statement": read_statement,
}
