"""Payment pages: the register, statement uploads and their report, the unmatched queue."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from commands.record_payment import RecordPayment
from projections import queries
from tests.support.bank import billed, paid, sample, statement
from tests.support.dsl import register, send
from tests.unit.bankfiles.samples import OUR_ACCOUNT

if TYPE_CHECKING:
    from uuid import UUID

    from api.bootstrap import Services
    from tests.web.conftest import Workspace

STRANGER_INN = "5000000000"


@pytest.fixture(autouse=True)
def our_account(services: Services) -> None:
    """LBX_OWN_ACCOUNTS names the account of the synthetic statements."""
    services.settings = replace(services.settings, own_accounts=(OUR_ACCOUNT,))


@pytest.fixture(autouse=True)
def english(workspace: Workspace) -> None:
    """Pages in English, so that amounts read "RUB 1,500.00"."""
    workspace.get("/app/language/en?next=/app/")


def caught_up(services: Services) -> None:
    """Let the views apply everything sent so far (no worker runs beside a test client)."""
    services.await_position(services.ledger.max_position())


def pay(services: Services, customer: UUID, amount: str, on: date, reference: str) -> None:
    send(services, RecordPayment(customer_id=customer, amount=amount, currency="RUB",
                                 received_on=on, reference=reference))


def references(html: str) -> list[str]:
    """The references of the register's rows, top to bottom."""
    return re.findall(r"<td>(п/п \d+)</td>", html)


def upload(ws: Workspace, data: bytes, name: str = "kl_to_1c.txt") -> Any:
    """Upload a statement and, when it is accepted, wait for its job and open its page."""
    answer = ws.submit("/app/payments/import", "/app/payments/import", {},
                       files={"file": (name, data, "text/plain")})
    if answer.status_code != 303:
        return answer
    location = answer.headers["location"]
    assert location.startswith("/app/operations/jobs/"), location
    job = ws.client.app.state.web_jobs.wait(  # type: ignore[attr-defined]
        location.rsplit("/", 1)[1], timeout=60)
    assert job is not None
    assert job.status == "succeeded", job.error
    return ws.get(location)


def count(html: str, name: str) -> int:
    found = re.search(rf'data-count="{name}">(\d+)<', html)
    assert found, f"no count {name}"
    return int(found.group(1))


def queued(services: Services) -> list[dict[str, Any]]:
    caught_up(services)
    return queries.bank_payments(services.store, statuses=("unmatched", "ambiguous")).items


def line_status(services: Services, line_id: str) -> str:
    caught_up(services)
    row = services.store.query_one(
        "SELECT status FROM view_bank_payments WHERE bank_payment_id = :id", {"id": line_id})
    assert row is not None
    return str(row["status"])


# -- the register -----------------------------------------------------------------------------


def test_the_register_names_each_payer_and_filters_by_customer_and_date(
        services: Services, workspace: Workspace) -> None:
    romashka = register(services, "C-1", name="ООО Ромашка")
    vasilek = register(services, "C-2", name="ООО Василёк")
    pay(services, romashka, "1500.00", date(2026, 1, 5), "п/п 1")
    pay(services, vasilek, "700.50", date(2026, 1, 10), "п/п 2")
    pay(services, romashka, "99.99", date(2026, 1, 14), "п/п 3")
    caught_up(services)
    everything = workspace.get("/app/payments")
    assert everything.status_code == 200
    assert references(everything.text) == ["п/п 1", "п/п 2", "п/п 3"]
    assert "ООО Василёк" in everything.text
    assert "RUB 1,500.00" in everything.text
    assert references(workspace.get("/app/payments?customer=C-1").text) == ["п/п 1", "п/п 3"]
    window = workspace.get("/app/payments?date_from=2026-01-06&date_to=2026-01-14")
    assert references(window.text) == ["п/п 2", "п/п 3"]


def test_a_filter_that_cannot_be_read_is_refused_at_its_field(workspace: Workspace) -> None:
    unknown = workspace.get("/app/payments?customer=NOBODY")
    assert unknown.status_code == 422
    assert 'id="e-customer" role="alert"' in unknown.text
    bad_date = workspace.get("/app/payments?date_from=15.01.2026")
    assert bad_date.status_code == 422
    assert 'id="e-date_from" role="alert"' in bad_date.text


def test_the_register_pages_on_the_server(services: Services, workspace: Workspace) -> None:
    customer = register(services, "C-1")
    for n in range(52):
        pay(services, customer, "1.00", date(2026, 1, 1), f"п/п {n}")
    caught_up(services)
    first = workspace.get("/app/payments")
    assert len(references(first.text)) == 50
    following = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert following
    second = workspace.get(following.group(1).replace("&amp;", "&"))
    assert references(second.text) == ["п/п 50", "п/п 51"]
    assert 'rel="next"' not in second.text


# -- statement uploads ------------------------------------------------------------------------


def test_an_upload_reports_new_matched_and_queued_lines_and_a_repeat_is_duplicates(
        services: Services, workspace: Workspace) -> None:
    romashka = billed(services, "romashka")
    data = statement(paid("7", romashka.total, f"Оплата по счету {romashka.number}"),
                     paid("8", "5.00", "Оплата", inn=STRANGER_INN))
    report = upload(workspace, data)
    assert report.status_code == 200, report.text
    assert [count(report.text, n) for n in ("lines", "new", "duplicates", "matched",
                                            "unmatched", "skipped")] == [2, 2, 0, 1, 1, 0]
    assert "kl_to_1c.txt" in report.text
    again = upload(workspace, data)
    assert [count(again.text, n) for n in ("lines", "new", "duplicates")] == [2, 0, 2]
    caught_up(services)
    paid_once = queries.register(services.store, "view_payments",
                                 customer_id=str(romashka.customer_id),
                                 date_column="received_on", tiebreak="payment_id")
    assert len(paid_once.items) == 1


def test_an_imports_lines_can_be_looked_up_later_as_they_stand(
        services: Services, workspace: Workspace) -> None:
    romashka = billed(services, "romashka", name="ООО Ромашка")
    report = upload(workspace, statement(
        paid("7", romashka.total, f"Оплата по счету {romashka.number}"),
        paid("8", "5.00", "Оплата", inn=STRANGER_INN)))
    link = re.search(r'href="(/app/payments/imports/[0-9a-f]{64})"', report.text)
    assert link
    stored = workspace.get(link.group(1))
    assert stored.status_code == 200
    assert "ООО Ромашка" in stored.text
    assert re.findall(r'class="badge (\w+)">(\w+)<', stored.text)[-2:] == [
        ("good", "matched"), ("bad", "unmatched")]
    assert workspace.get("/app/payments/imports/not-a-hash").status_code == 404


def test_a_shared_sample_statement_is_imported_line_by_line(workspace: Workspace) -> None:
    report = upload(workspace, sample("1c_statement_kl_to_1c_dronm-clbnk.txt"))
    assert report.status_code == 200, report.text
    lines = count(report.text, "lines")
    assert lines > 0
    assert count(report.text, "new") == lines
    link = re.search(r'href="(/app/payments/imports/[0-9a-f]{64})"', report.text)
    assert link
    stored = workspace.get(link.group(1)).text
    assert len(re.findall(r'<tr>\s*<th scope="row">', stored)) == lines


def test_an_upload_runs_as_a_job_that_shows_its_progress_and_links_its_report(
        services: Services, workspace: Workspace) -> None:
    romashka = billed(services, "romashka")
    data = statement(paid("7", romashka.total, f"Оплата по счету {romashka.number}"))
    answer = workspace.submit("/app/payments/import", "/app/payments/import", {},
                              files={"file": ("kl_to_1c.txt", data, "text/plain")})
    assert answer.status_code == 303
    job_id = answer.headers["location"].rsplit("/", 1)[1]
    job = workspace.client.app.state.web_jobs.wait(  # type: ignore[attr-defined]
        job_id, timeout=60)
    assert job is not None
    assert job.kind == "bank_import"
    assert (job.done, job.total) == (1, 1)
    status = workspace.get(f"/app/operations/jobs/{job_id}/status").json()
    assert status["finished"]
    assert status["done"] == status["total"] == 1
    shown = workspace.get(answer.headers["location"]).text
    assert f'href="/app/payments/imports/{job.result["file_sha256"]}"' in shown


@pytest.mark.parametrize("data", [b"", b"just a letter\n", bytes(range(256)) * 4],
                         ids=["empty", "not a statement", "binary"])
def test_an_unreadable_file_is_refused_at_the_file_field(
        services: Services, workspace: Workspace, data: bytes) -> None:
    before = services.ledger.max_position()
    answer = upload(workspace, data)
    assert answer.status_code == 422
    assert 'aria-invalid="true" aria-describedby="e-file"' in answer.text
    assert services.ledger.max_position() == before


# -- the unmatched queue ----------------------------------------------------------------------


def _one_queued_line(services: Services, workspace: Workspace, amount: str = "10000.00",
                     inn: str = STRANGER_INN) -> str:
    upload(workspace, statement(paid("8", amount, "Оплата по договору", inn=inn)))
    (line,) = queued(services)
    return str(line["bank_payment_id"])


def test_an_accountant_assigns_a_queued_payment_to_a_customer(
        services: Services, workspace: Workspace) -> None:
    customer = billed(services, "vasilek", inn="7736207543", name="ООО Василёк")
    line_id = _one_queued_line(services, workspace)
    listed = workspace.get("/app/payments/queue")
    assert f'href="/app/payments/bank-lines/{line_id}"' in listed.text
    assert "RUB 10,000.00" in listed.text
    page = f"/app/payments/bank-lines/{line_id}"
    done = workspace.submit(page, f"{page}/resolve", {
        "resolve_customer_key": "vasilek", "resolve_invoices": customer.number,
        "resolve_reason": "Платёж от учредителя за компанию, подтверждено письмом"})
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/app/payments/queue"
    assert line_status(services, line_id) == "resolved"
    assert queued(services) == []
    invoice = queries.invoice(services.store, customer.invoice_id, "2026-01-15")
    assert invoice is not None
    assert invoice["status"] == "paid"
    assert "The payment is recorded" in workspace.get("/app/payments/queue").text


def typed_in_then_on_the_statement(
        services: Services, workspace: Workspace) -> tuple[Any, dict[str, Any]]:
    """10,000.00 typed in by hand as п/п 17, then the same transfer queued from the statement."""
    customer = billed(services, "romashka", name="ООО Ромашка")
    send(services, RecordPayment(customer_id=customer.customer_id, amount="10000.00",
                                 currency="RUB", received_on=date(2026, 1, 10),
                                 payment_id="pp-17", reference="п/п 17"))
    upload(workspace, statement(paid("17", "10000.00", f"Оплата по счету {customer.number}")))
    (line,) = queued(services)
    return customer, line


def test_a_line_like_a_payment_typed_in_by_hand_is_linked_to_it(
        services: Services, workspace: Workspace) -> None:
    customer, line = typed_in_then_on_the_statement(services, workspace)
    line_id = str(line["bank_payment_id"])
    why = "possible duplicate of payment pp-17 of Jan 10, 2026 recorded by hand"
    assert why in workspace.get("/app/payments/queue").text
    page = f"/app/payments/bank-lines/{line_id}"
    shown = workspace.get(page)
    assert why in shown.text
    assert "Link to payment pp-17" in shown.text

    done = workspace.submit(page, f"{page}/link", {"link_reason": "Та же п/п 17, что по скану"})

    assert done.status_code == 303, done.text
    assert line_status(services, line_id) == "resolved"
    book = services.ledger.customer(customer.customer_id, fresh=True)
    assert list(book.state.payments) == ["pp-17"]
    assert book.state.balances["RUB"].net_minor == 0
    assert "linked to the payment already on the book" in workspace.get(
        "/app/payments/queue").text


def test_a_line_recorded_as_new_money_beside_a_typed_in_twin_needs_a_tick(
        services: Services, workspace: Workspace) -> None:
    """The customer really paid 10,000.00 twice: once typed in, once on the statement."""
    customer, line = typed_in_then_on_the_statement(services, workspace)
    page = f"/app/payments/bank-lines/{line['bank_payment_id']}"
    fields = {"resolve_customer_key": "romashka", "resolve_reason": "Второй платёж, звонок"}

    refused = workspace.submit(page, f"{page}/resolve", fields)

    assert refused.status_code == 422
    assert "already recorded by hand" in refused.text
    assert 'name="resolve_not_a_duplicate"' in refused.text
    assert list(services.ledger.customer(customer.customer_id, fresh=True).state.payments) == [
        "pp-17"]

    done = workspace.submit(page, f"{page}/resolve",
                            {**fields, "resolve_not_a_duplicate": "true"})

    assert done.status_code == 303, done.text
    book = services.ledger.customer(customer.customer_id, fresh=True)
    assert len(book.state.payments) == 2


def test_a_line_with_no_payment_like_it_offers_no_link(
        services: Services, workspace: Workspace) -> None:
    line_id = _one_queued_line(services, workspace)
    page = f"/app/payments/bank-lines/{line_id}"
    assert f"{page}/link" not in workspace.get(page).text


def test_a_line_under_a_shared_inn_offers_its_customers(
        services: Services, workspace: Workspace) -> None:
    billed(services, "branch-1", name="Филиал 1")
    second = billed(services, "branch-2", name="Филиал 2")
    line_id = _one_queued_line(services, workspace, inn="7707049388")
    page = f"/app/payments/bank-lines/{line_id}"
    shown = workspace.get(page)
    assert "Филиал 1" in shown.text
    assert "Филиал 2" in shown.text
    assert workspace.submit(page, f"{page}/resolve", {
        "resolve_customer_id": str(second.customer_id),
        "resolve_reason": "Второй филиал, подтверждено звонком"}).status_code == 303
    caught_up(services)
    invoice = queries.invoice(services.store, second.invoice_id, "2026-01-15")
    assert invoice is not None
    assert invoice["status"] == "paid"


@pytest.mark.parametrize(("fields", "at"), [
    ({"resolve_customer_key": "nobody", "resolve_reason": "по звонку"},
     "resolve_customer_key"),
    ({"resolve_customer_key": "vasilek", "resolve_reason": ""}, "resolve_reason"),
    ({"resolve_customer_key": "vasilek", "resolve_invoices": "LBX-2026-999999",
      "resolve_reason": "по звонку"}, "resolve_invoices"),
])
def test_a_resolution_that_cannot_stand_is_refused_at_its_field(
        services: Services, workspace: Workspace, fields: dict[str, str], at: str) -> None:
    billed(services, "vasilek", inn="7736207543")
    line_id = _one_queued_line(services, workspace)
    page = f"/app/payments/bank-lines/{line_id}"
    answer = workspace.submit(page, f"{page}/resolve", fields)
    assert answer.status_code == 422
    assert re.search(rf'aria-invalid="true" aria-describedby="e-{at}"', answer.text)
    assert f'value="{fields[at]}"' in answer.text  # the form comes back as typed
    assert line_status(services, line_id) == "unmatched"


def test_a_dismissal_needs_a_reason_and_takes_the_line_off_the_queue(
        services: Services, workspace: Workspace) -> None:
    line_id = _one_queued_line(services, workspace)
    page = f"/app/payments/bank-lines/{line_id}"
    refused = workspace.submit(page, f"{page}/dismiss", {"dismiss_reason": ""})
    assert refused.status_code == 422
    assert 'aria-describedby="e-dismiss_reason"' in refused.text
    assert line_status(services, line_id) == "unmatched"
    done = workspace.submit(page, f"{page}/dismiss",
                            {"dismiss_reason": "Возврат от поставщика, не оплата клиента"})
    assert done.status_code == 303
    assert line_status(services, line_id) == "dismissed"
    assert "The queue is empty" in workspace.get("/app/payments/queue").text


def test_an_auditor_reads_the_queue_but_cannot_import_resolve_or_dismiss(
        services: Services, workspace: Workspace, auditor_workspace: Workspace) -> None:
    billed(services, "vasilek", inn="7736207543")
    line_id = _one_queued_line(services, workspace)
    page = f"/app/payments/bank-lines/{line_id}"
    auditor_workspace.get("/app/language/en?next=/app/")
    queue = auditor_workspace.get("/app/payments/queue").text
    assert f'href="/app/payments/bank-lines/{line_id}"' in queue
    assert "Resolve or dismiss" not in queue
    shown = auditor_workspace.get(page)
    assert shown.status_code == 200
    assert "/resolve" not in shown.text
    assert "/dismiss" not in shown.text
    assert 'enctype="multipart/form-data"' not in auditor_workspace.get(
        "/app/payments/import").text
    before = services.ledger.max_position()
    for action, fields in ((f"{page}/resolve", {"resolve_customer_key": "vasilek",
                                                "resolve_reason": "не положено"}),
                           (f"{page}/dismiss", {"dismiss_reason": "не положено"})):
        assert auditor_workspace.submit(page, action, fields).status_code == 403
    refused_upload = auditor_workspace.submit(
        "/app/payments/import", "/app/payments/import", {},
        files={"file": ("x.txt", statement(paid("9", "1.00", "x")), "text/plain")})
    assert refused_upload.status_code == 403
    assert services.ledger.max_position() == before
    assert line_status(services, line_id) == "unmatched"


def test_an_upload_without_the_forms_csrf_token_is_refused(
        services: Services, workspace: Workspace) -> None:
    before = services.ledger.max_position()
    answer = workspace.client.post(
        "/app/payments/import", data={"csrf_token": "guess"},
        files={"file": ("x.txt", statement(paid("9", "1.00", "x")), "text/plain")},
        follow_redirects=False)
    assert answer.status_code == 403
    assert services.ledger.max_position() == before


def test_the_pages_speak_russian_by_default(services: Services,
                                            auditor_workspace: Workspace) -> None:
    customer = register(services, "C-1", name="ООО Ромашка")
    pay(services, customer, "1500.00", date(2026, 1, 5), "п/п 1")
    caught_up(services)
    register_page = auditor_workspace.get("/app/payments").text
    assert "Реестр платежей" in register_page
    assert "1\u00a0500,00\u00a0₽" in register_page
    assert "Неразобранные платежи" in auditor_workspace.get("/app/payments/queue").text


def test_a_dismissal_sent_again_with_another_reason_says_it_was_sent(
        services: Services, workspace: Workspace) -> None:
    line_id = _one_queued_line(services, workspace)
    page = f"/app/payments/bank-lines/{line_id}"
    drawn = workspace.get(page).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', drawn)
    key = re.search(r'/dismiss">\s*<input type="hidden" name="csrf_token" value="[^"]+">'
                    r'\s*<input type="hidden" name="idempotency_key" value="([^"]+)"', drawn)
    assert csrf
    assert key
    sent = {"csrf_token": csrf.group(1), "idempotency_key": key.group(1)}
    first = workspace.client.post(f"{page}/dismiss", follow_redirects=False,
                                  data={**sent, "dismiss_reason": "Возврат от поставщика"})
    again = workspace.client.post(f"{page}/dismiss", follow_redirects=False,
                                  data={**sent, "dismiss_reason": "Внутренний перевод"})
    assert first.status_code == 303
    assert again.status_code == 422
    assert "This form was already sent" in again.text or "Эта форма уже была" in again.text
