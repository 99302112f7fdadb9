"""What the payment pages read beyond the shared queries: names for a page, one bank line.

The register and the queue come from ``projections.queries`` (``register``,
``bank_payments``, ``bank_import``). Two small questions are not answered there: the names
of the customers on one page of rows (asked once per page, for at most a page of ids, so
the register stays one indexed query however many customers there are) and a single bank
line by id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.customers import customer_id_for
from projections import queries

if TYPE_CHECKING:
    from collections.abc import Iterable

    from projections.store import ReadStore, Row


def customer_names(store: ReadStore, customer_ids: Iterable[str | None]) -> dict[str, Row]:
    """The directory row (name, external key) of each of ``customer_ids``, by id."""
    wanted = sorted({cid for cid in customer_ids if cid})
    if not wanted:
        return {}
    names = [f"id{i}" for i in range(len(wanted))]
    placeholders = ", ".join(f":{n}" for n in names)  # every id is a bound parameter
    select = "SELECT customer_id, name, external_key FROM view_customers"
    sql = f"{select} WHERE customer_id IN ({placeholders})"
    rows = store.query(sql, dict(zip(names, wanted, strict=True)))
    return {str(row["customer_id"]): row for row in rows}


def bank_line(store: ReadStore, bank_payment_id: str) -> Row | None:
    """One imported bank line as the view holds it, or None."""
    return store.query_one(
        "SELECT * FROM view_bank_payments WHERE bank_payment_id = :id", {"id": bank_payment_id})


def customer_by_key_or_id(store: ReadStore, text: str) -> Row | None:
    """The customer a person named by external key (``CRM-1001``) or by id."""
    text = text.strip()
    if not text:
        return None
    found = queries.customer(store, str(customer_id_for(text)))
    return found if found is not None else queries.customer(store, text)


def queue_size(store: ReadStore) -> int:
    """How many bank lines wait for an accountant (unmatched or ambiguous)."""
    row = store.query_one(
        "SELECT COUNT(*) AS n FROM view_bank_payments WHERE status IN ('unmatched', 'ambiguous')")
    return int(row["n"]) if row else 0
