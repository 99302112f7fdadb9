"""Operations: bill runs and view rebuilds started from the workspace, followed to the end."""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.web.jobs import JobRegistry, Progress
from commands.start_subscription import StartSubscription
from ledger.access import Role
from projections import queries
from tests.support.dsl import publish, register, send
from tests.web.conftest import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services

TODAY = "2026-01-15"


@pytest.fixture
def admin_workspace(services: Services, web_keys: dict[Role, str]) -> Iterator[Workspace]:
    """The workspace signed in as an admin."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        ws = Workspace(client)
        ws.sign_in(web_keys[Role.ADMIN])
        yield ws


def two_subscribers_and_a_prospect(services: Services) -> None:
    """Two customers on 1000.00 + 22 % VAT a month from 1 January; one without a plan."""
    publish(services)
    for key in ("A-1", "B-2"):
        customer = register(services, key, name=f"ООО {key}")
        send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                         start_date=date(2026, 1, 1), anchor_day=1))
    register(services, "C-3", name="ООО Проспект")
    services.runner.catch_up()


def registry(workspace: Workspace) -> JobRegistry:
    jobs = workspace.client.app.state.web_jobs  # type: ignore[attr-defined]
    assert isinstance(jobs, JobRegistry)
    return jobs


def run_to_the_end(workspace: Workspace, data: dict[str, str]) -> tuple[str, Any]:
    """Start a bill run from the page, wait for it, and return its id and finished page."""
    started = workspace.submit("/app/operations", "/app/operations/bill-runs", data)
    assert started.status_code == 303, started.text
    job_id = started.headers["location"].rsplit("/", 1)[-1]
    job = registry(workspace).wait(job_id)
    assert job is not None
    assert job.status == "succeeded", job.error
    return job_id, workspace.get(f"/app/operations/jobs/{job_id}")


def invoice_count(services: Services) -> int:
    return len(queries.invoices(services.store, today=TODAY, limit=100).items)


def test_a_bill_run_bills_the_due_customers_and_shows_the_result(
        services: Services, workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    job_id, page = run_to_the_end(workspace, {"as_of": TODAY})
    assert invoice_count(services) == 2
    assert 'id="r-customers">3<' in page.text
    assert 'id="r-invoices">2<' in page.text
    assert "2\xa0440,00\xa0₽" in page.text  # two invoices of 1220.00
    assert "ООО A-1" in page.text
    assert "ООО B-2" in page.text
    status = workspace.get(f"/app/operations/jobs/{job_id}/status").json()
    assert status == {"id": job_id, "kind": "bill_run", "status": "succeeded", "done": 3,
                      "total": 3, "fraction": 1.0, "error": None, "finished": True}
    assert 'http-equiv="refresh"' not in page.text  # a finished job stops refreshing


def test_running_the_same_date_again_bills_nothing_twice(
        services: Services, workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    run_to_the_end(workspace, {"as_of": TODAY})
    _, again = run_to_the_end(workspace, {"as_of": TODAY})
    assert invoice_count(services) == 2
    assert 'id="r-invoices">0<' in again.text


def test_a_dry_run_shows_what_would_be_billed_and_writes_nothing(
        services: Services, workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    head = services.ledger.max_position()
    _, page = run_to_the_end(workspace, {"as_of": "2026-02-01", "dry_run": "on"})
    assert services.ledger.max_position() == head
    assert invoice_count(services) == 0
    assert 'id="r-invoices">2<' in page.text
    assert "ничего не записано" in page.text


def test_a_double_submit_of_one_form_starts_one_bill_run(
        services: Services, workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    html = workspace.get("/app/operations").text
    fields = {name: html.split(f'name="{name}" value="')[1].split('"')[0]
              for name in ("csrf_token", "idempotency_key")}
    first = workspace.client.post("/app/operations/bill-runs", follow_redirects=False,
                                  data={**fields, "as_of": TODAY})
    second = workspace.client.post("/app/operations/bill-runs", follow_redirects=False,
                                   data={**fields, "as_of": TODAY})
    assert first.headers["location"] == second.headers["location"]
    assert len(registry(workspace).recent()) == 1
    job = registry(workspace).wait(first.headers["location"].rsplit("/", 1)[-1])
    assert job is not None
    assert job.status == "succeeded"
    assert invoice_count(services) == 2


def test_a_real_bill_run_in_the_future_is_refused_next_to_the_date(
        services: Services, workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    head = services.ledger.max_position()
    future = workspace.submit("/app/operations", "/app/operations/bill-runs",
                              {"as_of": "2026-02-01"})
    assert future.status_code == 422
    assert 'id="e-as_of"' in future.text
    typo = workspace.submit("/app/operations", "/app/operations/bill-runs",
                            {"as_of": "9999-12-31"})
    assert typo.status_code == 422
    assert 'id="e-as_of"' in typo.text
    assert services.ledger.max_position() == head
    assert registry(workspace).recent() == []


def test_an_auditor_sees_operations_but_cannot_start_one(
        services: Services, auditor_workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    page = auditor_workspace.get("/app/operations")
    assert page.status_code == 200
    assert "/app/operations/bill-runs" not in page.text
    refused = auditor_workspace.submit("/app/operations", "/app/operations/bill-runs",
                                       {"as_of": TODAY})
    assert refused.status_code == 403
    assert invoice_count(services) == 0


def test_only_an_admin_rebuilds_a_view(services: Services, workspace: Workspace,
                                       admin_workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    run_to_the_end(workspace, {"as_of": TODAY})
    assert "/app/operations/rebuilds" not in workspace.get("/app/operations").text
    refused = workspace.submit("/app/operations", "/app/operations/rebuilds",
                               {"view": "invoices"})
    assert refused.status_code == 403
    before = queries.invoices(services.store, today=TODAY).items
    started = admin_workspace.submit("/app/operations", "/app/operations/rebuilds",
                                     {"view": "invoices"})
    assert started.status_code == 303
    job_id = started.headers["location"].rsplit("/", 1)[-1]
    job = registry(admin_workspace).wait(job_id)
    assert job is not None
    assert job.status == "succeeded"
    assert job.result == {"views": {"invoices": services.ledger.max_position()}}
    assert queries.invoices(services.store, today=TODAY).items == before
    page = admin_workspace.get(f"/app/operations/jobs/{job_id}").text
    assert 'id="t-views"' in page


def test_an_unknown_view_is_refused_next_to_its_field(
        services: Services, admin_workspace: Workspace) -> None:
    refused = admin_workspace.submit("/app/operations", "/app/operations/rebuilds",
                                     {"view": "no_such_view"})
    assert refused.status_code == 422
    assert 'id="e-view"' in refused.text


def test_a_running_job_shows_its_progress_and_refreshes(workspace: Workspace) -> None:
    release = threading.Event()

    def slow(progress: Progress) -> dict[str, Any]:
        progress.set_total(4)
        progress.advance(1)
        release.wait(10)
        progress.advance(3)
        return {"views": {"customers": 7}}

    job = registry_of_app(workspace).start("rebuild", "admin:test", slow, {"view": "all"})
    page = workspace.get(f"/app/operations/jobs/{job.job_id}").text
    assert '<progress id="job-progress" max="4" value="1">' in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert "/app/static/operations.js" in page
    status = workspace.get(f"/app/operations/jobs/{job.job_id}/status").json()
    assert (status["status"], status["done"], status["total"]) == ("running", 1, 4)
    release.set()
    registry_of_app(workspace).wait(job.job_id)
    finished = workspace.get(f"/app/operations/jobs/{job.job_id}").text
    assert '<progress id="job-progress" max="4" value="4">' in finished
    assert "operations.js" not in finished


def test_a_failed_job_says_why(workspace: Workspace) -> None:
    def broken(_: Progress) -> dict[str, Any]:
        raise RuntimeError("the read store went away")

    job = registry_of_app(workspace).start("rebuild", "admin:test", broken, {"view": "all"})
    registry_of_app(workspace).wait(job.job_id)
    page = workspace.get(f"/app/operations/jobs/{job.job_id}").text
    assert "RuntimeError: the read store went away" in page


def test_an_unknown_job_is_a_missing_page(workspace: Workspace) -> None:
    assert workspace.get("/app/operations/jobs/nope").status_code == 404
    assert workspace.get("/app/operations/jobs/nope/status").status_code == 404


def registry_of_app(workspace: Workspace) -> JobRegistry:
    """The app's registry, made by opening the operations page once (as a person would)."""
    workspace.get("/app/operations")
    return registry(workspace)


def test_another_area_shows_its_own_job_with_a_title_and_a_link_to_its_report(
        workspace: Workspace) -> None:
    def imported(progress: Progress) -> dict[str, Any]:
        progress.set_total(2)
        progress.advance(2)
        return {"lines": 2, "matched": 1}

    jobs = registry_of_app(workspace)
    job = jobs.start("other_import", "accountant:anna", imported, {
        "title": "Выписка 1.txt", "result_url": "/app/payments/imports/abc"})
    jobs.wait(job.job_id)
    page = workspace.get(f"/app/operations/jobs/{job.job_id}").text
    assert "<h1>Выписка 1.txt" in page
    assert 'href="/app/payments/imports/abc"' in page
    assert "<dt>matched</dt><dd>1</dd>" in page
    assert page.count('id="h-result"') == 1
    assert "Выписка 1.txt" in workspace.get("/app/operations").text


def _held(release: threading.Event) -> Any:
    def work(_: Progress) -> dict[str, Any]:
        release.wait(30)
        return {}

    return work


def test_a_second_bill_run_is_refused_while_one_is_running(
        services: Services, workspace: Workspace) -> None:
    two_subscribers_and_a_prospect(services)
    workspace.get("/app/operations")
    jobs = JobRegistry()
    workspace.client.app.state.web_jobs = jobs  # type: ignore[attr-defined]
    release = threading.Event()
    running = jobs.start("bill_run", "someone", _held(release), {"as_of": TODAY})
    try:
        second = workspace.submit("/app/operations", "/app/operations/bill-runs",
                                  {"as_of": TODAY})
        assert second.status_code == 303
        assert second.headers["location"] == f"/app/operations/jobs/{running.job_id}"
        assert len([j for j in jobs.recent() if j.kind == "bill_run"]) == 1
        assert invoice_count(services) == 0
    finally:
        release.set()
        jobs.wait(running.job_id)


def test_the_same_form_started_twice_at_once_runs_one_job() -> None:
    jobs = JobRegistry()
    release, ready = threading.Event(), threading.Barrier(8)
    started: list[str] = []

    def submit() -> None:
        ready.wait()
        job = jobs.start("rebuild", "admin", _held(release), {"view": "all", "key": "form-1"})
        started.append(job.job_id)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    release.set()
    assert len(set(started)) == 1
    assert [j.job_id for j in jobs.recent()] == started[:1]
    jobs.wait(started[0])


def test_every_page_says_so_while_views_are_being_rebuilt(workspace: Workspace) -> None:
    workspace.get("/app/operations")
    jobs = JobRegistry()
    workspace.client.app.state.web_jobs = jobs  # type: ignore[attr-defined]
    release = threading.Event()
    running = jobs.start("rebuild", "admin", _held(release), {"view": "all"})
    try:
        assert "Представления перестраиваются" in workspace.get("/app/customers").text
    finally:
        release.set()
        jobs.wait(running.job_id)
    assert "Представления перестраиваются" not in workspace.get("/app/customers").text
