"""The workspace's customer list with 100,000 customers: filtered, sorted, page 500.

```
.venv/bin/python -m bench.customer_list                       # SQLite in a temporary dir
.venv/bin/python -m bench.customer_list --database-url postgresql://postgres@127.0.0.1:5432/lbx_bench
.venv/bin/python -m bench.customer_list -n 20000              # fewer customers
```

The read store is filled directly with view rows (customers, balances, one subscription
each, a third of them owing on one open invoice), as the projections would have written
them, so the figure is the query alone: ``projections.workspace.customer_list`` with a
status, a "has debt" and a tariff filter, a text search, each sort key, at page 1 and page
500 (50 rows a page); then the dashboard's, the debt list's and the calendar's queries.
It prints the median of five runs of each; it asserts nothing about time. On PostgreSQL the
database given must be empty or disposable: the bench creates the views' tables there and
empties them at the end.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from typing import TYPE_CHECKING

from api.bootstrap import bootstrap
from projections import workspace
from projections.workspace import CustomerFilter, customer_list

if TYPE_CHECKING:
    from collections.abc import Callable

    from projections.store import ReadStore

TARIFFS = ("start", "business", "corporate")
STATUSES = ("active",) * 8 + ("suspended", "closed")
MANAGERS = ("Анна", "Борис", "Вера", "Григорий")
BATCH = 5_000


def fill(store: ReadStore, n: int) -> None:
    """Write ``n`` customers' directory, balance and subscription rows."""
    rng = random.Random(100_000)
    start = date(2026, 1, 15)
    with store.transaction() as tx:
        for first in range(0, n, BATCH):
            for i in range(first, min(n, first + BATCH)):
                cid = f"00000000-0000-4000-8000-{i:012d}"
                tx.execute(
                    "INSERT INTO view_customers (customer_id, external_key, name, inn, kpp,"
                    " email, manager, currency, status, registered_on, version,"
                    " updated_at) VALUES (:id, :key, :name, :inn, NULL, NULL, :manager, 'RUB',"
                    " :status, '2025-01-01', 1, '2026-01-15T00:00:00+00:00')",
                    {"id": cid, "key": f"CRM-{i}",
                     "name": f'ООО "Клиент {rng.randrange(10**6):06d}"', "inn": f"77{i:08d}",
                     "manager": MANAGERS[i % 4], "status": rng.choice(STATUSES)})
                net = rng.randrange(1, 500_000) if i % 3 == 0 else 0
                tx.execute(
                    "INSERT INTO view_balances (customer_id, currency, charged, paid, net,"
                    " updated_at) VALUES (:id, 'RUB', :charged, :paid, :net, '2026-01-15')",
                    {"id": cid, "charged": net + 100_000, "paid": 100_000, "net": net})
                if net:
                    due = start - timedelta(days=rng.randrange(-20, 150))
                    tx.execute(
                        "INSERT INTO view_invoices (invoice_id, customer_id, number, issued_on,"
                        " due_on, currency, subtotal, discount_total, vat_total, total, open,"
                        " position) VALUES (:inv, :id, :number, :issued, :due, 'RUB', :net, 0,"
                        " 0, :net, :net, :i)",
                        {"inv": f"inv-{i}", "id": cid, "number": f"LBX-2026-{i:06d}",
                         "issued": (due - timedelta(days=10)).isoformat(),
                         "due": due.isoformat(), "net": net, "i": i})
                renewal = start + timedelta(days=rng.randrange(0, 365))
                tx.execute(
                    "INSERT INTO view_renewals (subscription_id, customer_id, tariff_code,"
                    " tariff_version, quantity, started_on, next_renewal, auto_renew, status,"
                    " anchor_day, period_unit, period_count) VALUES (:sid, :id, :tariff, 1, 1,"
                    " '2025-01-01', :next, 1, 'active', 1, 'month', 1)",
                    {"sid": f"sub-{i}", "id": cid, "tariff": TARIFFS[i % 3],
                     "next": renewal.isoformat()})


CASES = (
    ("active, has debt, by debt desc", CustomerFilter(status="active", has_debt=True), "-debt"),
    ("tariff business, by next renewal", CustomerFilter(tariff="business"), "renewal"),
    ("manager Вера, by tariff", CustomerFilter(manager="Вера"), "tariff"),
    ("no filter, by name", CustomerFilter(), "name"),
    ("no filter, by status desc", CustomerFilter(), "-status"),
    ("search 'клиент 12', by debt", CustomerFilter(search="клиент 12"), "debt"),
)


def time_it(call: Callable[[], object]) -> float:
    """Median seconds of five calls."""
    times: list[float] = []
    for _ in range(5):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def overview(store: ReadStore) -> None:
    """Time the other overview pages' queries over the same rows."""
    today = date(2026, 1, 15)
    calls: dict[str, Callable[[], object]] = {
        "dashboard: aging totals": lambda: workspace.aging_totals(store, today),
        "dashboard: top 10 debtors": lambda: workspace.debtors(
            store, today, workspace.DebtFilter(), size=10),
        "dashboard: customers by status": lambda: workspace.status_counts(store),
        "debts: bucket 31-60, page 100": lambda: workspace.debtors(
            store, today, workspace.DebtFilter(bucket="31-60"), page=100),
        "renewals: next 30 days, page 20": lambda: workspace.renewal_calendar(
            store, workspace.RenewalFilter(today, today + timedelta(days=30)), page=20),
    }
    for label, call in calls.items():
        print(f"  {label:<45} {time_it(call) * 1000:7.1f} ms")


def measure(store: ReadStore, chosen: CustomerFilter, sort: str, page: int) -> tuple[float, int]:
    """Median seconds of five runs, and the rows the page held."""
    times: list[float] = []
    rows = 0
    for _ in range(5):
        began = time.perf_counter()
        found = customer_list(store, chosen, sort=sort, page=page, size=50)
        times.append(time.perf_counter() - began)
        rows = len(found.rows)
    return statistics.median(times), rows


def main() -> None:
    """Fill the read store, then time each case at page 1 and page 500."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = ({"LBX_DATABASE_URL": args.database_url} if args.database_url
               else {"LBX_DATA_DIR": folder})
        services = bootstrap(env)
        try:
            began = time.perf_counter()
            fill(services.store, args.n)
            if services.store.dialect == "postgres":  # what autovacuum would have done
                with services.store.transaction() as tx:
                    tx.execute("ANALYZE")
            print(f"{services.settings.backend}: {args.n} customers written in"
                  f" {time.perf_counter() - began:.1f} s")
            for label, chosen, sort in CASES:
                for page in (1, 500):
                    seconds, rows = measure(services.store, chosen, sort, page)
                    print(f"  {label:<36} page {page:>3}: {seconds * 1000:7.1f} ms"
                          f" ({rows} rows)")
            overview(services.store)
        finally:
            with services.store.transaction() as tx:
                for table in ("view_customers", "view_balances", "view_renewals",
                              "view_invoices"):
                    tx.execute(f"DELETE FROM {table}")
            services.close()


if __name__ == "__main__":
    main()
