"""Workspace area: the tariff catalog, each tariff's versions and subscribers, publishing.

Reading is for every reader; publishing (a new tariff or a new version) is for admins,
as on the API (``POST /v1/tariffs``). The form is a plain HTML form: buttons that add a
component or a tier redraw it with one more block, and "Calculate" prices the tariff being
edited, so everything works without a script; ``static/tariffs.js`` only makes the same
calculation live (it posts the form to ``/app/tariffs/quote`` and swaps in the answer).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import ACCOUNTANT, ADMIN
from api.deps import ServicesDep  # noqa: TC001  (FastAPI resolves the dependency at runtime)
from api.web.actions import ALREADY_SENT, new_form_key, send
from api.web.pages import tariff_views
from api.web.pages.tariff_build import FieldError, build, number
from api.web.pages.tariff_draft import TariffDraft, draft_of, edit, read_draft
from api.web.pages.tariff_price import MAX_UNITS, quote
from api.web.refusals import explain
from api.web.render import page, redirect, translate
from api.web.session import Form, Reader, WebUser, requires
from ledger.decimal_text import AS_RECORDED
from ledger.errors import IdempotencyKeyReused, LedgerError
from ledger.money import Money
from ledger.tariffs.definition import TariffDefinition

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from api.web.pages.tariff_price import Quote

router = APIRouter(include_in_schema=False)

Publisher = Annotated[WebUser, Depends(requires(ACCOUNTANT))]
"""Accountants (and admins) launch tariffs without a programmer, as on the API."""


def _tr(request: Request) -> Callable[[str], str]:
    return lambda message: translate(request, message)


def _quantities(values: Mapping[str, str], tr: Callable[[str], str], prefix: str = "",
                ) -> tuple[Decimal, int, dict[str, str]]:
    """The calculator's units and seats (10 units and 1 seat when left empty).

    ``values`` holds ``units`` and ``seats``; errors name ``<prefix>units`` and so on.
    """
    units, seats, errors = Decimal(10), 1, {}
    try:
        if values.get("units"):
            units = number(values["units"], f"{prefix}units", tr, most=MAX_UNITS)
        if values.get("seats"):
            seats = int(number(values["seats"], f"{prefix}seats", tr, whole=True,
                               most=MAX_UNITS))
    except FieldError as error:
        errors[error.name] = error.message
    return units, seats, errors


def _entry_or_404(services: ServicesDep, code: str) -> tariff_views.CatalogEntry:
    found = tariff_views.entry(services.store, code)
    if found is None:
        raise HTTPException(404, "There is no such page.")
    return found


@router.get("/tariffs", response_class=HTMLResponse)
def catalog(request: Request, services: ServicesDep, user: Reader) -> Response:
    """Every tariff with its latest version and how many subscriptions it has."""
    return page(request, "tariffs/catalog.html", user, title=translate(request, "Tariffs"),
                entries=tariff_views.catalog(services.store),
                totals=tariff_views.subscriber_totals(services.store),
                can_publish=_may_publish(user))


def minor_units(price: str | Decimal, currency: str) -> int:
    """A published fee (a decimal string of the definition) in minor units, for ``fmt.money``."""
    return Money.of(Decimal(str(price)), currency).minor


def _may_publish(user: WebUser) -> bool:
    return user.role in {ACCOUNTANT, ADMIN}


def _version_quotes(entry: tariff_views.CatalogEntry, units: Decimal,
                    seats: int) -> list[tuple[dict[str, Any], Quote]]:
    return [(row, quote(TariffDefinition.model_validate(row["definition"], context=AS_RECORDED),
                        units=units, seats=seats)) for row in entry.versions]


@router.get("/tariffs/new", response_class=HTMLResponse)
def new_tariff(request: Request, user: Publisher) -> Response:
    """A blank form for a new tariff."""
    return _form(request, user, TariffDraft(), mode="new")


@router.post("/tariffs/new", response_class=HTMLResponse)
def publish_new(request: Request, services: ServicesDep, user: Publisher,
                form: Form) -> Response:
    """Redraw, calculate or publish the new tariff's form."""
    return _submitted(request, services, user, form, read_draft(form), mode="new")


@router.post("/tariffs/quote", response_class=HTMLResponse)
async def quote_draft(request: Request, user: Reader) -> Response:
    """The calculator's answer for the tariff being edited (called by ``tariffs.js``).

    It writes nothing, so any reader may ask; the form's fields are read as typed.
    """
    posted = await request.form()
    form = {k: v for k, v in posted.items() if isinstance(v, str)}
    tr = _tr(request)
    draft = read_draft(form)
    units, seats, errors = _quantities(_calc(form), tr, "calc_")
    built = build(replace(draft, code="draft"), tr)  # the code is not part of the price
    errors |= built.errors
    priced = quote(built.command.definition, units=units, seats=seats) \
        if built.command and not errors else None
    return page(request, "tariffs/_quote.html", user, quote=priced, errors=errors, live=True,
                minor=minor_units, units=units, seats=seats,
                status_code=200 if priced else 422)


def _calc(form: Mapping[str, str]) -> dict[str, str]:
    return {"units": form.get("calc_units", ""), "seats": form.get("calc_seats", "")}


@router.get("/tariffs/{code}", response_class=HTMLResponse)
def tariff(request: Request, services: ServicesDep, user: Reader, code: str, *,
           units: str = "", seats: str = "") -> Response:
    """A tariff's versions, who is on each, and what each would cost for N units."""
    entry = _entry_or_404(services, code)
    amount, count, errors = _quantities({"units": units, "seats": seats}, _tr(request))
    return page(request, "tariffs/tariff.html", user, title=code, entry=entry,
                subscribers=tariff_views.subscribers(services.store, code),
                quotes=_version_quotes(entry, amount, count), units=amount, seats=count,
                errors=errors, can_publish=_may_publish(user), minor=minor_units)


@router.get("/tariffs/{code}/quote", response_class=HTMLResponse)
def tariff_quote(request: Request, services: ServicesDep, user: Reader, code: str, *,
                 units: str = "", seats: str = "") -> Response:
    """The published versions' prices alone (the tariff page's live calculator)."""
    entry = _entry_or_404(services, code)
    amount, count, errors = _quantities({"units": units, "seats": seats}, _tr(request))
    return page(request, "tariffs/_version_quotes.html", user, entry=entry,
                quotes=_version_quotes(entry, amount, count), units=amount, seats=count,
                errors=errors, status_code=422 if errors else 200)


@router.get("/tariffs/{code}/new-version", response_class=HTMLResponse)
def new_version(request: Request, services: ServicesDep, user: Publisher,
                code: str) -> Response:
    """The form filled with the latest version, to publish the next one."""
    entry = _entry_or_404(services, code)
    return _form(request, user, draft_of(code, entry.latest["definition"]), mode="version")


@router.post("/tariffs/{code}/new-version", response_class=HTMLResponse)
def publish_version(request: Request, services: ServicesDep, user: Publisher, code: str,
                    form: Form) -> Response:
    """Redraw, calculate or publish the next version of ``code``."""
    _entry_or_404(services, code)
    return _submitted(request, services, user, form, read_draft(form, code), mode="version")


def _form(request: Request, user: WebUser, draft: TariffDraft, *, mode: str,
          errors: dict[str, str] | None = None, form: Mapping[str, str] | None = None,
          priced: Quote | None = None, status_code: int = 200, **extra: Any) -> Response:
    form = form or {}
    action = "/app/tariffs/new" if mode == "new" else f"/app/tariffs/{draft.code}/new-version"
    return page(request, "tariffs/form.html", user, status_code=status_code, draft=draft,
                mode=mode, action=action, errors=errors or {}, quote=priced,
                calc=_calc(form), form_key=form.get("idempotency_key") or new_form_key(),
                minor=minor_units,
                title=translate(request, "New tariff" if mode == "new" else "New version"),
                **extra)


def _submitted(request: Request, services: ServicesDep, user: WebUser,
               form: Mapping[str, str], draft: TariffDraft, *, mode: str) -> Response:
    """One press of a form button: reshape, calculate, or publish."""
    tr = _tr(request)
    action = form.get("do", "publish")
    if edit(draft, action):
        return _form(request, user, draft, mode=mode, form=form)
    built = build(draft, tr)
    errors = dict(built.errors)
    if mode == "new" and tariff_views.entry(services.store, draft.code) is not None:
        errors["code"] = tr("A tariff with this code exists; publish a new version from its page.")
    if action == "calculate" or errors or built.command is None:
        units, seats, calc_errors = _quantities(_calc(form), tr, "calc_")
        errors |= calc_errors
        priced = quote(built.command.definition, units=units, seats=seats) \
            if built.command and not errors else None
        return _form(request, user, draft, mode=mode, form=form, errors=errors, priced=priced,
                     status_code=422 if errors else 200, units=units, seats=seats)
    before = tariff_views.entry(services.store, draft.code)
    try:
        outcome = send(services, user, built.command, form.get("idempotency_key", ""))
    except IdempotencyKeyReused:
        errors["form"] = translate(request, ALREADY_SENT)
        return _form(request, user, draft, mode=mode, errors=errors, status_code=422,
                     form={**form, "idempotency_key": new_form_key()})
    except LedgerError as error:
        errors[error.field or "components"] = explain(request, error)
        return _form(request, user, draft, mode=mode, form=form, errors=errors, status_code=422)
    version = outcome.result["version"]
    unchanged = before is not None and before.latest["version"] == version
    message = ("{code}: nothing to publish, version {version} says the same."
               if unchanged else "{code}: version {version} is published.")
    notice = translate(request, message, code=draft.code, version=version)
    return redirect(f"/app/tariffs/{draft.code}", notice)
