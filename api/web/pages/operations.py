"""Workspace area: operations — bill runs and projection rebuilds, with their progress.

A bill run here is the same one the HTTP API, the CLI and the scheduler run
(:func:`commands.run_billing.run_billing`, then dunning for a real run), started in a
background job (:mod:`api.web.jobs`) so the page answers at once and then follows it.
Running a date twice bills nothing twice: billing is idempotent by construction. The form
carries an idempotency key, so a double click starts one job, not two. Accountants run
bills; rebuilding a view replays the whole log, so only an admin may start one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError

from api.auth import ADMIN
from api.bodies import EARLIEST, LATEST, body_of
from api.deps import ServicesDep  # noqa: TC001  (FastAPI reads it at runtime)
from api.web.actions import IDEMPOTENCY_FIELD, new_form_key
from api.web.jobs import Job, JobRegistry, Progress, jobs_of
from api.web.render import REBUILD_JOB, page, redirect, translate
from api.web.session import Form, Reader, WebUser, Writer, requires
from commands.run_billing import RunBilling, bill_run_context, run_billing
from commands.run_dunning import run_dunning_for
from ledger.money import Money
from projections import queries

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.bootstrap import Services
    from commands.run_billing import BillRunReport

router = APIRouter(include_in_schema=False)
BILL_RUN, REBUILD = "bill_run", REBUILD_JOB
ALL_VIEWS = "all"
SHOWN_INVOICES = 50
"""How many issued invoices a job's result lists (the totals count them all)."""
BillRunForm = body_of(RunBilling)  # the API's body: dates bounded to this century
Admin = Annotated[WebUser, Depends(requires())]
"""Admins only (``requires`` always admits admins)."""


def _registry(request: Request) -> JobRegistry:
    return jobs_of(request)


@router.get("/operations", response_class=HTMLResponse)
def operations_page(request: Request, services: ServicesDep, user: Reader) -> Response:
    """The forms that start long operations, and the jobs of this process."""
    return _draw(request, services, user, {}, {})


def _draw(request: Request, services: Services, user: WebUser, values: dict[str, str],
          errors: dict[str, str], *, status_code: int = 200) -> Response:
    today = services.runtime.clock.today().isoformat()
    return page(request, "operations/index.html", user, status_code=status_code,
                title=translate(request, "Operations"), jobs=_registry(request).recent(),
                values={"as_of": today, **values}, errors=errors, form_key=new_form_key(),
                zone=ZoneInfo(services.settings.timezone),
                views=[(ALL_VIEWS, translate(request, "All views")),
                       *((name, name) for name in sorted(services.runner.projections))],
                is_admin=user.role is ADMIN)


@router.post("/operations/bill-runs", response_class=HTMLResponse)
def start_bill_run(request: Request, services: ServicesDep, user: Writer,
                   form: Form) -> Response:
    """Check the form, start the bill run in the background, and go to its page."""
    registry = _registry(request)
    key = form.get(IDEMPOTENCY_FIELD, "")
    if (earlier := registry.find_by_key(key)) is not None:
        return redirect(f"/app/operations/jobs/{earlier.job_id}")
    values = {"as_of": form.get("as_of", ""), "dry_run": form.get("dry_run", "")}
    try:
        body = BillRunForm.model_validate(
            {"as_of": values["as_of"], "dry_run": values["dry_run"] == "on"})
    except ValidationError:
        why = translate(request, "Give a date between {first} and {last}.",
                        first=EARLIEST.isoformat(), last=LATEST.isoformat())
        return _draw(request, services, user, values, {"as_of": why}, status_code=422)
    command = RunBilling(**body.model_dump())
    if not command.dry_run and command.as_of > services.runtime.clock.today():
        why = translate(request, "A real bill run cannot be dated in the future; tick "
                                 "“dry run” to look ahead.")
        return _draw(request, services, user, values, {"as_of": why}, status_code=422)
    job, started = registry.start_alone(
        BILL_RUN, user.actor, _bill_run(services, user, command),
        {"as_of": command.as_of.isoformat(), "dry_run": command.dry_run, "key": key})
    if not started:  # one bill run at a time: the person is shown the one running
        return redirect(f"/app/operations/jobs/{job.job_id}", translate(
            request, "A bill run is already running; a new one can start when it ends."))
    return redirect(f"/app/operations/jobs/{job.job_id}")


def _bill_run(
    services: Services, user: WebUser, command: RunBilling
) -> Callable[[Progress], dict[str, Any]]:
    """The work of one bill run: bill, dun (a real run), and catch the views up."""

    def work(progress: Progress) -> dict[str, Any]:
        ids = list(services.ledger.customer_ids())
        progress.set_total(len(ids))
        context = bill_run_context(user.actor, source="web")
        report = run_billing(command, context, services.runtime, ids, progress.advance)
        steps = 0
        if not command.dry_run:  # dunning follows every real bill run, as in the API
            steps = len(run_dunning_for(services.runtime, ids, command.as_of, context).steps)
            services.await_position(services.ledger.max_position(), timeout=60)
        return _summary(services, report, steps)

    return work


def _summary(services: Services, report: BillRunReport, dunning_steps: int) -> dict[str, Any]:
    """What the job page shows of a finished bill run (amounts in minor units)."""
    names: dict[str, str] = {}
    shown = []
    for invoice in report.invoices[:SHOWN_INVOICES]:
        if invoice.customer_id not in names:
            row = queries.customer(services.store, invoice.customer_id)
            names[invoice.customer_id] = row["name"] if row else invoice.customer_id
        shown.append({"number": invoice.number, "customer_id": invoice.customer_id,
                      "name": names[invoice.customer_id], "currency": invoice.currency,
                      "total": Money.parse(invoice.total, invoice.currency).minor})
    totals = {cur: Money.parse(amount, cur).minor for cur, amount in report.totals().items()}
    return {"as_of": report.as_of.isoformat(), "dry_run": report.dry_run,
            "customers": report.customers, "invoice_count": len(report.invoices),
            "invoices": shown, "totals": totals, "dunning_steps": dunning_steps,
            "skipped": [{"customer_id": c, "why": why} for c, why in report.skipped]}


@router.post("/operations/rebuilds", response_class=HTMLResponse)
def start_rebuild(request: Request, services: ServicesDep, user: Admin,
                  form: Form) -> Response:
    """Rebuild one view, or all of them, from the whole log (admin only)."""
    registry = _registry(request)
    key = form.get(IDEMPOTENCY_FIELD, "")
    if (earlier := registry.find_by_key(key)) is not None:
        return redirect(f"/app/operations/jobs/{earlier.job_id}")
    name = form.get("view", "")
    if name != ALL_VIEWS and name not in services.runner.projections:
        why = translate(request, "Choose a view from the list.")
        return _draw(request, services, user, {"view": name}, {"view": why}, status_code=422)
    names = sorted(services.runner.projections) if name == ALL_VIEWS else [name]
    job = registry.start(REBUILD, user.actor, _rebuild(services, names),
                         {"view": name, "key": key})
    return redirect(f"/app/operations/jobs/{job.job_id}")


def _rebuild(services: Services, names: list[str]) -> Callable[[Progress], dict[str, Any]]:
    """The work of a rebuild: each view replays the log in its own transaction."""

    def work(progress: Progress) -> dict[str, Any]:
        progress.set_total(len(names) * max(services.ledger.max_position(), 1))
        events: dict[str, int] = {}
        for name in names:
            events[name] = services.runner.rebuild(name, progress.advance)
        return {"views": events}

    return work


def _job(request: Request, job_id: str) -> Job:
    job = _registry(request).get(job_id)
    if job is None:
        raise HTTPException(404, "There is no such page.")
    return job


@router.get("/operations/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, services: ServicesDep, user: Reader, job_id: str) -> Response:
    """A job's progress (refreshing while it runs) and, once finished, its result."""
    job = _job(request, job_id)
    return page(request, "operations/job.html", user, job=job,
                zone=ZoneInfo(services.settings.timezone),
                title=translate(request, "Bill run") if job.kind == BILL_RUN
                else translate(request, "Rebuild of views"))


@router.get("/operations/jobs/{job_id}/status")
def job_status(request: Request, _: Reader, job_id: str) -> JSONResponse:
    """The job's progress as JSON, for the job page's script."""
    return JSONResponse(_job(request, job_id).as_json(),
                        headers={"Cache-Control": "no-store"})
