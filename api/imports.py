"""Importing the customer list: preview every row, then apply the valid ones.

:func:`preview_customers` reads the file (``api/crm/spreadsheet.py``), checks every row
(required name; ИНН and ОГРН check digits and КПП shape by ``ledger/requisites.py``; e-mail,
phone, currency), finds duplicates inside the file, and matches each row to an existing
customer by external key (its own, or one an earlier file added, below), else by ИНН (and
КПП). Each row is then ``create``, ``update`` (with the fields that would change),
``unchanged`` or ``error`` (with the field and the message). A preview writes nothing.

A row found by ИНН whose external key is not the customer's keeps that key too: it is
added to the customer's ``external_ids`` under :data:`IMPORT_SYSTEM`, so a later file that
names the customer by that key alone finds it instead of registering a second customer.
A customer holds one such key; a row bringing yet another one is an error on
``external_key`` (which customer, which keys), not silently dropped.

:func:`apply_customers` runs the ``create`` and ``update`` rows as ordinary per-customer
commands (``RegisterCustomer``, ``UpdateCustomer``) with source ``import``, each under the
idempotency key ``customer-import/<file sha256>/<line>``. Submitting the same file again
changes nothing: its rows are now ``unchanged`` and send no command at all, and a second
submission racing the first is answered from the first one's idempotency records; if the
customer was edited after the file was applied, the row's key is already spent and the row
is reported ``unchanged`` ("this file's row was already applied"), not failed. Rows with
errors are skipped and reported; two rows that reach one customer (one by external key,
another by ИНН) make the second an error. An empty cell says nothing: it never clears a
value.

The HTTP routes and the web workspace both call these two functions.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.crm.spreadsheet import read_sheet
from api.import_errors import RowError
from commands.base import Context, CurrencyCode, ExternalKey, Text
from commands.dispatch import dispatch
from commands.register_customer import Email, Inn, Kpp, Ogrn, Phone, RegisterCustomer, Tags
from commands.update_customer import UpdateCustomer
from ledger.customers import ServiceStatus, customer_id_for
from ledger.customers.state import normalised_tags
from ledger.errors import IdempotencyKeyReused, LedgerError
from projections import queries
from projections.customers import customer_by_external_id

if TYPE_CHECKING:
    from api.bootstrap import Services
    from commands.base import Command

Action = Literal["create", "update", "unchanged", "error"]

IMPORT_SYSTEM = "import"
"""The ``external_ids`` system under which a file's key is kept for a customer the row
matched by ИНН (its own external key, which names its id, cannot change)."""


class CustomerRow(BaseModel):
    """One row of the customer list, validated as the commands will validate it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    external_key: ExternalKey | None = None
    inn: Inn | None = None
    kpp: Kpp | None = None
    ogrn: Ogrn | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text | None = None
    manager: Text | None = None
    tags: Tags | None = None
    currency: CurrencyCode | None = None
    payment_terms_days: Annotated[int, Field(ge=0, le=365)] | None = None

    def profile(self) -> dict[str, Any]:
        """The profile fields the row gives (JSON values, tags as kept), without the key."""
        fields = self.model_dump(mode="json", exclude_none=True, exclude={"external_key"})
        if "tags" in fields:
            fields["tags"] = normalised_tags(fields["tags"])
        return fields


@dataclass
class RowPreview:
    """What confirming would do with one row (``row`` is the spreadsheet's line number)."""

    row: int
    action: Action
    name: str = ""
    external_key: str | None = None
    customer_id: str | None = None
    matched_by: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)


@dataclass
class ImportPreview:
    """Every row of one file and what confirming it would do; nothing was written."""

    filename: str | None
    sha256: str
    rows: list[RowPreview]
    ignored_columns: list[str]

    def counts(self) -> dict[str, int]:
        """How many rows would be created, updated, left unchanged, or are in error."""
        return {action: sum(r.action == action for r in self.rows)
                for action in ("create", "update", "unchanged", "error")}

    def as_dict(self) -> dict[str, Any]:
        """The preview as JSON-ready values."""
        return {"filename": self.filename, "sha256": self.sha256, "counts": self.counts(),
                "ignored_columns": self.ignored_columns,
                "rows": [asdict(r) for r in self.rows]}


@dataclass
class ImportReport:
    """What confirming a file did, row by row."""

    sha256: str
    rows: list[dict[str, Any]]
    position: int = 0

    def counts(self) -> dict[str, int]:
        """Rows per outcome: created, updated, unchanged, skipped (errors), failed."""
        found: dict[str, int] = {}
        for row in self.rows:
            found[row["outcome"]] = found.get(row["outcome"], 0) + 1
        return found

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values."""
        return {"sha256": self.sha256, "counts": self.counts(), "rows": self.rows,
                "position": self.position}


def preview_customers(services: Services, filename: str | None, data: bytes) -> ImportPreview:
    """Read and check every row of a customer list; write nothing.

    Raises:
        UnreadableImport: the file is not a table with a name column (422 naming ``file``).
    """
    sheet = read_sheet(filename, data)
    services.await_position(services.ledger.max_position())  # match against every customer
    seen: dict[str, int] = {}
    rows = [_preview_row(services, number, cells, seen) for number, cells in sheet.rows]
    return ImportPreview(filename, hashlib.sha256(data).hexdigest(), rows, sheet.ignored_columns)


def _parse(cells: dict[str, str]) -> CustomerRow | list[dict[str, str]]:
    values: dict[str, Any] = dict(cells)
    if "tags" in values:
        values["tags"] = [t for t in re.split(r"[,;]", values["tags"]) if t.strip()]
    if "currency" in values:
        values["currency"] = values["currency"].upper()
    try:
        return CustomerRow.model_validate(values)
    except ValidationError as error:
        return [RowError.invalid(".".join(str(p) for p in e["loc"][:1]) or "row", e)
                for e in error.errors()]
    except LedgerError as error:  # an unknown currency is refused by the ledger's own check
        return [RowError.refused(error.field or "row", error)]


def _preview_row(
    services: Services, number: int, cells: dict[str, str], seen: dict[str, int]
) -> RowPreview:
    parsed = _parse(cells)
    if isinstance(parsed, list):
        return RowPreview(number, "error", name=cells.get("name", ""), errors=parsed)
    preview = RowPreview(number, "create", name=parsed.name, external_key=parsed.external_key,
                         fields=parsed.profile())
    for kind, value in (("external_key", parsed.external_key),
                        ("inn", f"{parsed.inn}/{parsed.kpp or ''}" if parsed.inn else None)):
        if value and f"{kind}={value}" in seen:
            return _error(preview, RowError.written(kind, "the same as row {row}",
                                                    row=seen[f"{kind}={value}"]))
        if value:
            seen[f"{kind}={value}"] = number
    match = _match(services, parsed)
    if isinstance(match, RowError):
        return _error(preview, match)
    if match is None:
        return _new(preview, parsed)
    customer_id, preview.matched_by = match
    earlier = seen.setdefault(f"customer={customer_id}", number)
    if earlier != number:  # one row found it by its key, another by its ИНН
        return _error(preview, RowError.written(preview.matched_by,
                                                "the same customer as row {row}", row=earlier))
    return _compare(services, preview, customer_id)


def _new(preview: RowPreview, row: CustomerRow) -> RowPreview:
    """A row no customer matches: created under its external key, else its ИНН."""
    preview.external_key = row.external_key or _key_from_inn(row)
    if preview.external_key is None:
        return _error(preview, RowError.written(
            "external_key", "a new customer needs an external key or ИНН"))
    return preview


def _match(services: Services, row: CustomerRow) -> tuple[UUID, str] | RowError | None:
    """The existing customer the row is about, how it was found; or why it is ambiguous."""
    if row.external_key:
        if services.ledger.exists(customer_id_for(row.external_key)):
            return customer_id_for(row.external_key), "external_key"
        added = customer_by_external_id(services.store, IMPORT_SYSTEM, row.external_key)
        if added is not None:
            return UUID(added), "external_key"
    if not row.inn:
        return None
    found = [r for r in queries.customers_by_inn(services.store, row.inn)
             if row.kpp is None or r["kpp"] == row.kpp]
    if len(found) > 1:
        return RowError.written(
            "inn", "{count} customers have ИНН {inn}; add the КПП or an external key",
            count=len(found), inn=row.inn)
    return (UUID(found[0]["customer_id"]), "inn") if found else None


def _compare(services: Services, preview: RowPreview, customer_id: UUID) -> RowPreview:
    customer = services.ledger.customer(customer_id)
    profile = customer.state.profile
    key = preview.external_key
    preview.customer_id = str(customer_id)
    preview.external_key = profile.external_key
    if customer.state.status is ServiceStatus.CLOSED:
        return _error(preview, RowError.written(
            "name", "the customer is closed; a closed book is not changed"))
    if preview.matched_by == "inn" and key and key != profile.external_key:
        held = profile.external_ids.get(IMPORT_SYSTEM)
        if held not in (None, key):
            return _error(preview, RowError.written("external_key", (
                "ИНН {inn} belongs to customer {customer}, whose keys are {customer} and"
                " {held}; {key} is neither"), inn=profile.inn, customer=profile.external_key,
                held=held, key=key))
        preview.fields["external_ids"] = {IMPORT_SYSTEM: key}
    preview.changes = customer.profile_changes(preview.fields)
    if "currency" in preview.changes:
        return _error(preview, RowError.written("currency", "a customer's currency cannot change"))
    preview.action = "update" if preview.changes else "unchanged"
    return preview


def _key_from_inn(row: CustomerRow) -> str | None:
    """A new customer's key when the file gives none: its ИНН (and КПП, for a branch)."""
    if not row.inn:
        return None
    return f"inn:{row.inn}/{row.kpp}" if row.kpp else f"inn:{row.inn}"


def _error(preview: RowPreview, error: RowError) -> RowPreview:
    preview.action = "error"
    preview.errors.append(error)
    return preview


def apply_customers(
    services: Services, preview_or_data: ImportPreview | bytes, actor: str,
    filename: str | None = None,
) -> ImportReport:
    """Apply the valid rows of a file (or of its preview) as per-customer commands.

    Raises:
        UnreadableImport: given bytes that are not a customer list; nothing is written.
    """
    preview = (preview_or_data if isinstance(preview_or_data, ImportPreview)
               else preview_customers(services, filename, preview_or_data))
    report = ImportReport(preview.sha256, [])
    for row in preview.rows:
        result: dict[str, Any] = {"row": row.row, "name": row.name,
                                  "customer_id": row.customer_id}
        if row.action in {"error", "unchanged"}:
            result.update(outcome="skipped" if row.errors else "unchanged", errors=row.errors)
        else:
            result.update(_apply_row(services, preview.sha256, row, actor))
            report.position = max(report.position, result.pop("position", 0))
        report.rows.append(result)
    return report


def _apply_row(services: Services, sha256: str, row: RowPreview, actor: str) -> dict[str, Any]:
    command: Command
    if row.action == "create":
        command = RegisterCustomer(external_key=row.external_key, **row.fields)
    else:
        fields = {k: v for k, v in row.fields.items() if k != "currency"}
        command = UpdateCustomer(customer_id=UUID(row.customer_id), **fields)
    context = Context(actor=actor, source="import",
                      idempotency_key=f"customer-import/{sha256}/{row.row}")
    try:
        outcome = dispatch(command, context, services.runtime)
    except IdempotencyKeyReused:
        # This file's row was applied before; the customer has changed since (someone
        # edited it), so the row now asks for something else under the same key. The
        # file's own change is in the ledger already: nothing to do, nothing failed.
        return {"outcome": "unchanged", "errors": [],
                "note": "this file's row was already applied"}
    except LedgerError as error:
        return {"outcome": "failed",
                "errors": [RowError.refused(error.field or "row", error)]}
    done = "created" if row.action == "create" else "updated"
    return {"outcome": "unchanged" if outcome.replayed else done,
            "customer_id": str(outcome.target_id), "errors": [], "position": outcome.position}
