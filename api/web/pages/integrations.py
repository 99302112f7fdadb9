"""Workspace area: integrations — customer import, the 1C export and webhook endpoints.

Each part calls the function its own module provides for every way in, so the workspace
and the HTTP API never differ: :mod:`api.imports` (preview, then apply, idempotent by the
file's content), :mod:`api.accounting` (the 1C files, which write nothing) and the
webhook commands (:mod:`commands.webhooks`) with the delivery log of
:mod:`projections.webhook_deliveries`. An uploaded list waits in memory between its
preview and the confirmation, under a random token that only the previewing person holds;
confirming applies exactly the bytes that were previewed.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api.accounting import export_1c_xlsx, export_1c_xml
from api.auth import ADMIN
from api.crm.common import webhook_urls
from api.crm.spreadsheet import UnreadableImport
from api.deps import ServicesDep  # noqa: TC001  (FastAPI reads it at runtime)
from api.downloads import attachment
from api.imports import ImportReport, apply_customers, preview_customers
from api.routes.integrations import MAX_FILE_BYTES
from api.web.actions import IDEMPOTENCY_FIELD, new_form_key, send
from api.web.jobs import jobs_of
from api.web.pages.operations import Admin  # noqa: TC001  (FastAPI reads it at runtime)
from api.web.refusals import Reading, explain, explain_problem, row_errors_in
from api.web.render import page, redirect, translate
from api.web.session import Form, Reader, Writer  # noqa: TC001  (read at runtime)
from api.webhooks.signing import secret_for
from api.webhooks.transport import check_public_url
from commands.webhooks import (
    DisableWebhookEndpoint,
    EnableWebhookEndpoint,
    RegisterWebhookEndpoint,
    ResendWebhookDelivery,
)
from ledger.errors import Conflict, LedgerError, Term
from ledger.webhooks import WebhookEventType
from projections import webhook_deliveries as book

if TYPE_CHECKING:
    from collections.abc import Callable

    from api.bootstrap import Services
    from api.imports import ImportPreview
    from api.web.jobs import Progress
    from api.web.session import WebUser
    from commands.base import Command

router = APIRouter(include_in_schema=False)
BASE = "/app/integrations"
UPLOAD_MINUTES = 60
KEEP_UPLOADS = 20
IMPORT_JOB = "customer_import"
IMPORT_BATCH = 100
"""Rows applied between two progress reports."""
PREVIEW_ROWS = 500
"""Rows without errors the preview lists (rows in error are always all listed)."""
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Upload:
    """A previewed customer list waiting for confirmation."""

    actor: str
    filename: str | None
    data: bytes
    at: float


class Uploads:
    """Previewed files by token, for an hour, at most :data:`KEEP_UPLOADS` of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._files: dict[str, Upload] = {}

    def keep(self, upload: Upload) -> str:
        """Keep ``upload``; return its token."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._files[token] = upload
            for old in sorted(self._files, key=lambda t: self._files[t].at)[:-KEEP_UPLOADS]:
                del self._files[old]
        return token

    def take(self, token: str, actor: str) -> Upload | None:
        """The upload ``actor`` previewed under ``token`` if still fresh (it stays, for a retry)."""
        with self._lock:
            found = self._files.get(token)
        fresh = found is not None and time.monotonic() - found.at < UPLOAD_MINUTES * 60
        return found if fresh and found is not None and found.actor == actor else None


_CREATE = threading.Lock()


def _uploads(request: Request) -> Uploads:
    with _CREATE:
        if not isinstance(getattr(request.app.state, "web_uploads", None), Uploads):
            request.app.state.web_uploads = Uploads()
    uploads: Uploads = request.app.state.web_uploads
    return uploads


def _draw(request: Request, services: Services, user: WebUser, *, status_code: int = 200,
          errors: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Response:
    today = services.runtime.clock.today()
    month_start = today.replace(day=1).isoformat()
    return page(request, "integrations/index.html", user, status_code=status_code,
                title=translate(request, "Integrations"), errors=errors or {},
                values={"from": month_start, "to": today.isoformat(), "format": "xlsx",
                        **(values or {})},
                form_key=new_form_key(), max_mb=MAX_FILE_BYTES // (1024 * 1024),
                webhooks=webhook_section(request, services, user))


@router.get("/integrations", response_class=HTMLResponse)
def integrations_page(request: Request, services: ServicesDep, user: Reader) -> Response:
    """Customer import, the 1C export, and (for admins) webhook endpoints."""
    return _draw(request, services, user)


@router.post("/integrations/customer-import/preview", response_class=HTMLResponse)
async def preview_import(request: Request, services: ServicesDep, user: Writer,
                         _: Form) -> Response:
    """Check every row of the uploaded list and show what confirming would do.

    ``Form`` has checked the role and the CSRF token before the file is read.
    """
    file = (await request.form()).get("file")
    upload = file if isinstance(file, UploadFile) and file.filename else None
    data = await upload.read(MAX_FILE_BYTES + 1) if upload is not None else b""
    filename = upload.filename if upload is not None else None
    return await run_in_threadpool(_previewed, request, services, user, filename, data)


def _previewed(request: Request, services: Services, user: WebUser, filename: str | None,
               data: bytes) -> Response:
    try:
        if not data:
            raise UnreadableImport(translate(request, "Choose a CSV or XLSX file."))
        if len(data) > MAX_FILE_BYTES:
            raise UnreadableImport(translate(request, "The file is larger than {mb} MB.",
                                             mb=MAX_FILE_BYTES // (1024 * 1024)))
        preview = preview_customers(services, filename, data)
    except LedgerError as error:
        return _draw(request, services, user, status_code=422,
                     errors={"file": explain(request, error)})
    token = _uploads(request).keep(Upload(user.actor, filename, data, time.monotonic()))
    return _preview_page(request, user, preview, token)


def _preview_page(request: Request, user: WebUser, preview: ImportPreview,
                  token: str) -> Response:
    others = [r for r in preview.rows if r.action != "error"][:PREVIEW_ROWS]
    shown = sorted([r for r in preview.rows if r.action == "error"] + others,
                   key=lambda r: r.row)
    reading = Reading.of(request)
    shown = [replace(r, errors=row_errors_in(reading, r.errors)) for r in shown]
    return page(request, "integrations/import_preview.html", user,
                title=translate(request, "Customer import"), preview=preview, rows=shown,
                counts=preview.counts(), token=token, form_key=new_form_key())


@router.post("/integrations/customer-import", response_class=HTMLResponse)
def confirm_import(request: Request, services: ServicesDep, user: Writer,
                   form: Form) -> Response:
    """Apply the valid rows of the previewed file in a background job, and follow it.

    The same form posted twice finds its job; the same file again changes nothing.
    """
    jobs = jobs_of(request)
    key = form.get(IDEMPOTENCY_FIELD, "")
    if (earlier := jobs.find_by_key(key)) is not None:
        return redirect(f"/app/operations/jobs/{earlier.job_id}")
    upload = _uploads(request).take(form.get("token", ""), user.actor)
    if upload is None:
        why = translate(request, "The preview has expired; upload the file again.")
        return _draw(request, services, user, status_code=422, errors={"file": why})
    title = translate(request, "Customer import: {file}", file=upload.filename or "—")
    job = jobs.start(IMPORT_JOB, user.actor, _importing(services, upload, Reading.of(request)),
                     {"title": title, "key": key})
    return redirect(f"/app/operations/jobs/{job.job_id}")


def _importing(services: Services, upload: Upload,
               reading: Reading) -> Callable[[Progress], dict[str, Any]]:
    """The work of an import: the file checked again, then applied a batch of rows at a time.

    Rows not imported say why as ``reading`` (the person who started it) reads it.
    """

    def work(progress: Progress) -> dict[str, Any]:
        preview = preview_customers(services, upload.filename, upload.data)
        progress.set_total(len(preview.rows))
        rows: list[dict[str, Any]] = []
        position = 0
        for start in range(0, len(preview.rows), IMPORT_BATCH):
            part = replace(preview, rows=preview.rows[start:start + IMPORT_BATCH])
            report = apply_customers(services, part, upload.actor)
            rows.extend(report.rows)
            position = max(position, report.position)
            progress.advance(len(part.rows))
        if position:
            services.await_position(position, timeout=60)
        counts = ImportReport(preview.sha256, rows).counts()
        return {"filename": upload.filename, "counts": counts,
                "troubled": [{**r, "errors": row_errors_in(reading, r["errors"])}
                             for r in rows if r["errors"]][:PREVIEW_ROWS]}

    return work


@router.get("/integrations/1c-export")
def export_1c(
    request: Request, services: ServicesDep, user: Reader, *,
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    file_format: Annotated[str, Query(alias="format", max_length=4)] = "xlsx",
) -> Response:
    """The period's sales and payments for 1C, as an XML message or an XLSX workbook."""
    values = {"from": date_from, "to": date_to, "format": file_format}
    errors = _dates(request, values)
    if file_format not in {"xml", "xlsx"}:
        errors["format"] = translate(request, "Choose XML or XLSX.")
    if errors:
        return _draw(request, services, user, status_code=422, errors=errors, values=values)
    first, last = date.fromisoformat(date_from), date.fromisoformat(date_to)
    try:
        if file_format == "xml":
            content, media = export_1c_xml(services, first, last), "application/xml"
        else:
            content, media = export_1c_xlsx(services, first, last), XLSX
    except LedgerError as error:
        field = error.field if error.field in {"from", "to"} else "format"
        return _draw(request, services, user, status_code=422,
                     errors={field: explain(request, error)}, values=values)
    name = f"lbx-1c-{first}_{last}.{file_format}"
    return Response(content, media_type=media,
                    headers=attachment(name))


def _dates(request: Request, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        try:
            date.fromisoformat(values[name])
        except ValueError:
            errors[name] = translate(request, "Write the date as YYYY-MM-DD.")
    return errors


# -- webhook endpoints (admins) ------------------------------------------------------------


def webhook_section(request: Request, services: Services, user: WebUser) -> dict[str, Any]:
    """What the integrations page shows of webhooks: admins only, endpoints and CRM URLs."""
    if user.role is not ADMIN:
        return {"visible": False}
    return {"visible": True, "endpoints": [_endpoint(r) for r in book.endpoints(services.store)],
            "event_types": [t.value for t in WebhookEventType],
            "crm_urls": webhook_urls(services.settings, str(request.base_url))}


def _endpoint(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "event_types": json.loads(row["event_types"]),
            "days_before": json.loads(row["days_before"]), "enabled": bool(row["enabled"]),
            "failing": bool(row["failing"])}


def _register_values(form: dict[str, str], checked: list[str]) -> dict[str, Any]:
    days = [d.strip() for d in form.get("days_before", "").split(",") if d.strip()]
    return {"url": form.get("url", "").strip(), "event_types": checked,
            "days_before": days or ["7"], "description": form.get("description", "").strip()}


@router.post("/integrations/webhooks", response_class=HTMLResponse)
async def register_endpoint(request: Request, services: ServicesDep, user: Admin,
                            form: Form) -> Response:
    """Register an endpoint and show its signing secret, this once."""
    checked = [str(v) for v in (await request.form()).getlist("event_types")]
    values = _register_values(form, checked)
    try:
        command = RegisterWebhookEndpoint.model_validate(values)
        check_public_url(command.url, allow_private=services.settings.webhook_allow_private)
        outcome = await run_in_threadpool(send, services, user, command,
                                          form.get(IDEMPOTENCY_FIELD, ""))
    except ValidationError as error:
        return _refused(request, services, user, _field_of(request, error), values)
    except LedgerError as error:
        return _refused(request, services, user, {error.field or "url": explain(request, error)},
                        values)
    endpoint_id = str(outcome.result["endpoint_id"])
    secret = secret_for(services.settings, endpoint_id, int(outcome.result["secret_version"]))
    return page(request, "integrations/webhook_secret.html", user,
                title=translate(request, "Webhook endpoint registered"),
                endpoint_id=endpoint_id, url=values["url"], secret=secret)


def _field_of(request: Request, error: ValidationError) -> dict[str, str]:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "url"
    return {field: explain_problem(request, dict(first))}


def _refused(request: Request, services: Services, user: WebUser, errors: dict[str, str],
             values: dict[str, Any]) -> Response:
    shown = {**values, "days_before": ", ".join(values["days_before"])}
    return _draw(request, services, user, status_code=422, errors=errors, values=shown)


@router.get("/integrations/webhooks/{endpoint_id}", response_class=HTMLResponse)
def endpoint_page(request: Request, services: ServicesDep, user: Admin, endpoint_id: UUID,
                  before: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """An endpoint, its delivery log (newest first, 50 a page) and its actions."""
    found = book.endpoint(services.store, str(endpoint_id))
    if found is None:
        raise HTTPException(404, "There is no such page.")
    try:
        rows = book.deliveries(services.store, str(endpoint_id), before=_cursor(before),
                               limit=DELIVERIES_PER_PAGE + 1)
    except ValueError:
        raise HTTPException(404, "There is no such page.") from None
    shown = rows[:DELIVERIES_PER_PAGE]
    last = shown[-1] if shown and len(rows) > DELIVERIES_PER_PAGE else None
    return page(request, "integrations/webhook.html", user, title=found["url"],
                endpoint=_endpoint(found), deliveries=shown,
                attempts=book.attempts_of(services.store, [r["delivery_id"] for r in shown]),
                next_before=f"{last['position']}:{last['ordinal']}:{last['event_id']}"
                if last else None, new_key=new_form_key)


def _cursor(text: str | None) -> tuple[int, int, str] | None:
    if not text:
        return None
    position, ordinal, event_id = text.split(":", 2)
    return int(position), int(ordinal), event_id


@router.post("/integrations/webhooks/{endpoint_id}/{action}", response_class=HTMLResponse)
def endpoint_action(request: Request, services: ServicesDep, user: Admin, form: Form, *,
                    endpoint_id: UUID, action: str) -> Response:
    """Re-send a delivery, disable or enable the endpoint; back to its page with a notice."""
    here = f"{BASE}/webhooks/{endpoint_id}"
    command: Command
    try:
        if action == "resend":
            delivery = book.delivery(services.store, str(endpoint_id),
                                     form.get("delivery_id", "")[:36])
            if delivery is None:
                raise HTTPException(404, "There is no such page.")
            if delivery["status"] in {"pending", "sending"}:
                raise Conflict("delivery is {status}: it is on its way already",
                               field="delivery_id", status=Term(delivery["status"]))
            command = ResendWebhookDelivery(endpoint_id=endpoint_id,
                                            delivery_id=UUID(delivery["delivery_id"]))
        elif action == "disable":
            command = DisableWebhookEndpoint(endpoint_id=endpoint_id,
                                             reason=form.get("reason", ""))
        elif action == "enable":
            command = EnableWebhookEndpoint(endpoint_id=endpoint_id)
        else:
            raise HTTPException(404, "There is no such page.")
        send(services, user, command, form.get(IDEMPOTENCY_FIELD, ""))
    except (ValidationError, LedgerError) as error:
        why = explain(request, error) if isinstance(error, LedgerError) else translate(
            request, "Give a reason of a few words.")
        return redirect(here, translate(request, "Not done: {why}", why=why))
    return redirect(here, translate(request, ACTION_NOTICES[action]))


ACTION_NOTICES = {"resend": "The delivery will be sent again.",
                  "disable": "The endpoint is disabled.", "enable": "The endpoint is enabled."}
DELIVERIES_PER_PAGE = 50
