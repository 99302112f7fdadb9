"""The audit area: find a customer, read its raw events, check its chain, export its history.

Given a customer built through commands, when a reader opens the audit pages, then they
show every event with its metadata and hash, whether the chain holds, and export links
that answer what ``/v1/audit`` exports; nothing there writes, for any role.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

import orjson

from tests.support.tampering import edit_row
from tests.web.test_customer_card import (
    INN,
    auditor_workspace,
    customer_with_history,
    workspace,
)

if TYPE_CHECKING:
    from api.bootstrap import Services
    from tests.web.conftest import Workspace

__all__ = ["auditor_workspace", "workspace"]  # the card's own signed-in clients


def test_an_auditor_finds_a_customer_by_inn_and_by_name(
        services: Services, auditor_workspace: Workspace) -> None:
    customer = customer_with_history(services)

    by_inn = auditor_workspace.get(f"/app/audit?q={INN}")
    by_name = auditor_workspace.get("/app/audit?q=ромашка")

    for found in (by_inn, by_name):
        assert found.status_code == 200
        assert f'href="/app/audit/{customer.id}"' in found.text
        assert f'href="/app/customers/{customer.id}"' in found.text


def test_a_search_that_matches_nobody_says_so(
        services: Services, auditor_workspace: Workspace) -> None:
    customer_with_history(services)
    auditor_workspace.get("/app/language/en?next=/app/")

    found = auditor_workspace.get("/app/audit?q=nobody-like-this")

    assert "No customer matches." in found.text


def test_the_raw_events_show_their_metadata_and_hashes(
        services: Services, auditor_workspace: Workspace) -> None:
    customer = customer_with_history(services)
    events = services.ledger.customer_history(customer.id)

    trail = auditor_workspace.get(f"/app/audit/{customer.id}")

    assert trail.status_code == 200
    for event in events:
        assert type(event).__name__ in trail.text
        assert event.hash in trail.text
        assert str(event.meta.correlation_id) in trail.text
    assert 'tester <small class="muted">(api)</small>' in trail.text  # who, through what
    assert "цела" in trail.text  # the chain is intact


def test_a_tampered_event_is_reported_as_a_broken_chain(
        services: Services, auditor_workspace: Workspace) -> None:
    customer = customer_with_history(services)
    original = services.ledger.stored_states

    def tampered(aggregate_id):  # type: ignore[no-untyped-def]
        for number, (topic, state) in enumerate(original(aggregate_id), start=1):
            yield topic, ({**state, "name": "Подделка"} if number == 1 else state)

    services.ledger.stored_states = tampered  # type: ignore[method-assign]

    trail = auditor_workspace.get(f"/app/audit/{customer.id}")

    assert trail.status_code == 200
    assert "нарушена" in trail.text
    assert "версии 1" in trail.text


def test_the_trail_of_an_event_that_no_longer_parses_opens_and_shows_the_break(
        services: Services, auditor_workspace: Workspace) -> None:
    customer = customer_with_history(services)
    last = len(services.ledger.customer_history(customer.id))
    edit_row(services, customer.id, 2, lambda state: state.update(note="paid in cash"))
    edit_row(services, customer.id, last, lambda state: state.pop("meta"))

    trail = auditor_workspace.get(f"/app/audit/{customer.id}")

    assert trail.status_code == 200, trail.text[:400]
    assert "нарушена" in trail.text
    assert "версии 2" in trail.text
    assert "CustomerRegistered" in trail.text  # the stored rows are still listed


def test_a_forged_snapshot_is_shown_on_the_trail(
        services: Services, auditor_workspace: Workspace) -> None:
    from ledger.aggregate import LedgerSnapshot

    customer = customer_with_history(services)
    book = services.ledger.customer(customer.id, fresh=True)
    snapshot = LedgerSnapshot.take(book)
    state = orjson.loads(orjson.dumps(snapshot.state))
    state["state"]["profile"]["name"] = "ООО Подделка"
    assert services.ledger.snapshots is not None
    services.ledger.snapshots.put([snapshot.model_copy(update={"state": state})])

    trail = auditor_workspace.get(f"/app/audit/{customer.id}")

    assert trail.status_code == 200
    assert "снимок подделан" in trail.text
    assert f"на версии {book.version}" in trail.text


def test_the_exports_answer_the_full_history(
        services: Services, auditor_workspace: Workspace) -> None:
    customer = customer_with_history(services)
    versions = len(services.ledger.customer_history(customer.id))

    as_json = auditor_workspace.get(f"/app/audit/{customer.id}/export.json")
    as_csv = auditor_workspace.get(f"/app/audit/{customer.id}/export.csv")

    assert as_json.status_code == as_csv.status_code == 200
    assert "attachment" in as_json.headers["content-disposition"]
    items = orjson.loads(as_json.content)
    assert [item["originator_version"] for item in items] == list(range(1, versions + 1))
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == versions
    assert rows[0]["event_type"] == "CustomerRegistered"


def test_an_accountant_reads_the_audit_area_too_without_any_form(
        services: Services, workspace: Workspace) -> None:
    customer = customer_with_history(services)

    trail = workspace.get(f"/app/audit/{customer.id}")

    assert trail.status_code == 200
    assert 'method="post"' not in trail.text.replace(
        'method="post" action="/app/sign-out"', "")


def test_an_unknown_customer_has_no_audit_trail(auditor_workspace: Workspace) -> None:
    answer = auditor_workspace.get("/app/audit/00000000-0000-0000-0000-000000000000")
    assert answer.status_code == 404


def test_the_history_csv_never_carries_a_spreadsheet_formula(
        services: Services, auditor_workspace: Workspace) -> None:
    from commands.record_adjustment import RecordAdjustment
    from tests.support.dsl import send

    customer = customer_with_history(services)
    formula = '=HYPERLINK("https://evil.example","click")'
    send(services, RecordAdjustment(customer_id=customer.id, amount="-1.00", currency="RUB",
                                    reason=formula))

    as_csv = auditor_workspace.get(f"/app/audit/{customer.id}/export.csv")

    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert rows[-1]["reason"] == "'" + formula
    for row in rows:
        for column in ("reason", "actor", "source", "data", "idempotency_key"):
            assert not row[column].startswith(("=", "+", "-", "@")), (column, row[column])
