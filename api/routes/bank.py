"""Bank statements over HTTP: upload a file, work the unmatched queue.

``POST /v1/bank-statements`` takes the file as multipart ``file`` and answers the import
report. It asks for no ``Idempotency-Key``: the import is idempotent by content. Every
line's record has an id derived from the line itself (account, date, number, amount,
counterparty, purpose), so uploading the same file again — after a timeout, a killed
import, or as part of a later export that overlaps it — records nothing twice; the lines
already recorded come back as ``duplicate`` in the report. A key would add nothing a
client could get wrong.

Resolving and dismissing a queued line are ordinary commands with an ``Idempotency-Key``.
A line held as a possible duplicate of a payment typed in by hand is resolved with that
payment's ``existing_payment_id`` to link them (no new money), or without it to record it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Query, UploadFile

from api import present
from api.auth import ACCOUNTANT, AUDITOR, Principal, require, roles_extra
from api.bank_directory import import_bank_file
from api.command_routes import command_route
from api.deps import ServicesDep, Views
from api.routes.queries import Cursor, Limit, cursor_guard
from commands.dismiss_bank_payment import DismissBankPayment
from commands.resolve_bank_payment import ResolveBankPayment
from ledger.bankfiles import UnreadableStatement
from projections import queries

router = APIRouter(prefix="/v1", tags=["bank statements"])

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A day's statement of a busy account is a few megabytes; more is not a statement."""

Importer = Annotated[Principal, Depends(require(ACCOUNTANT))]
Reader = Annotated[Principal, Depends(require(ACCOUNTANT, AUDITOR))]
Status = Literal["matched", "unmatched", "ambiguous", "skipped", "resolved", "dismissed"]


@router.post("/bank-statements", openapi_extra=roles_extra(ACCOUNTANT),
             summary="Import a bank statement file")
def import_statement(
    services: ServicesDep, principal: Importer,
    file: Annotated[UploadFile, File(description=(
        "1CClientBankExchange (cp1251, cp866 or UTF-8), camt.053 XML, MT940 or LBX CSV"))],
) -> dict[str, Any]:
    """Record every line of the file once; match incoming payments to customers.

    No ``Idempotency-Key``: each line's record id is derived from the line itself, so a
    repeated upload (or an overlapping export) records nothing twice; lines already
    imported come back as ``duplicate``. A file that is not a readable statement answers
    422 naming ``file``; nothing is written then.
    """
    data = file.file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableStatement(why="the file is larger than {most} bytes",
                                  most=MAX_FILE_BYTES)
    report = import_bank_file(services, data, actor=principal.actor, source="import",
                              filename=file.filename)
    result = report.as_dict()
    result["position"] = services.ledger.max_position()
    return result


@router.get("/bank-payments", openapi_extra=roles_extra(ACCOUNTANT, AUDITOR),
            summary="Imported bank lines: the unmatched queue, an import's lines")
def list_bank_payments(
    services: Views, _: Reader,
    status: Annotated[list[Status] | None, Query(
        description="Only these statuses; `unmatched` and `ambiguous` make the queue")] = None,
    file_sha256: Annotated[str | None, Query(pattern=r"^[0-9a-f]{64}$")] = None,
    limit: Limit = 50, cursor: Cursor = None,
) -> dict[str, Any]:
    """Bank lines in import order, with status, score and the reason for it."""
    cursor_guard(cursor)
    page = queries.bank_payments(services.store, statuses=tuple(status or ()),
                                 file_sha256=file_sha256, limit=limit, cursor=cursor)
    return {"items": present.rows(page.items), "next_cursor": page.next_cursor}


command_route(router, "/bank-payments/{bank_payment_id}/resolution", ResolveBankPayment,
              (ACCOUNTANT,),
              "Assign a queued bank line to a customer, or link it to a payment typed in by"
              " hand (with reason)")
command_route(router, "/bank-payments/{bank_payment_id}/dismissal", DismissBankPayment,
              (ACCOUNTANT,), "Dismiss a queued bank line: not a customer payment (with reason)")
