"""Tariff pages: the catalog, a tariff's versions and subscribers, the form, the calculator."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from commands.start_subscription import StartSubscription
from ledger.access import Role
from ledger.tariffs import Tariff, TariffDefinition, tariff_id_for
from ledger.tariffs.definition import Component
from tests.support.dsl import MONTHLY_1000, publish, register, send
from tests.web.conftest import Workspace

if TYPE_CHECKING:
    from collections.abc import Iterator

    from api.bootstrap import Services

TIERS = [("1000", "0.10", ""), ("5000", "0.08", "5.00"), ("", "0.0555", "")]
"""Up to 1,000 at 0.10; 1,001–5,000 at 0.08 with a 5.00 tier fee; above at 0.0555."""


@pytest.fixture
def admin_workspace(services: Services, web_keys: dict[Role, str]) -> Iterator[Workspace]:
    """The workspace signed in as an admin (publishing tariffs is an admin's act)."""
    with TestClient(create_app(services), raise_server_exceptions=False) as client:
        ws = Workspace(client)
        ws.sign_in(web_keys[Role.ADMIN])
        ws.get("/app/language/en?next=/app/")
        yield ws


def tariff_form(**overrides: str) -> dict[str, str]:
    """The form of a monthly tariff: seats, and API calls priced in graduated tiers."""
    form = {
        "code": "api-pro", "name": "API Pro", "currency": "RUB", "period_count": "1",
        "period_unit": "month", "timing": "in_advance", "trial_days": "14",
        "vat_mode": "exclusive", "vat_rate": "22", "minimum": "500.00", "components": "2",
        "c0_code": "seats", "c0_name": "Seats", "c0_kind": "seat", "c0_price": "990.00",
        "c1_code": "calls", "c1_name": "API calls", "c1_kind": "metered",
        "c1_model": "graduated", "c1_tiers": str(len(TIERS)), "do": "publish",
    }
    for j, (up_to, unit_price, flat_fee) in enumerate(TIERS):
        form |= {f"c1_t{j}_up_to": up_to, f"c1_t{j}_unit_price": unit_price,
                 f"c1_t{j}_flat_fee": flat_fee}
    return form | overrides


def published(services: Services, code: str) -> dict[int, TariffDefinition]:
    """The versions the tariff aggregate holds."""
    services.ledger.forget(tariff_id_for(code))
    return services.ledger.load(tariff_id_for(code), Tariff).state.versions


def caught_up(services: Services) -> None:
    """Let the views apply everything sent so far (no worker runs beside a test client)."""
    services.await_position(services.ledger.max_position())


def exists(services: Services, code: str) -> bool:
    return services.ledger.exists(tariff_id_for(code))


def cell(html: str, attribute: str) -> str:
    """The text of the quote cell marked ``data-<attribute>``."""
    found = re.search(rf"data-{attribute}>(?:<strong>)?([^<]+)<", html)
    assert found, f"no cell {attribute}"
    return found.group(1).strip()


# -- reading ----------------------------------------------------------------------------------


def test_the_catalog_lists_each_tariff_and_links_to_its_subscribers(
        services: Services, workspace: Workspace) -> None:
    publish(services, "start")
    publish(services, "start", {**MONTHLY_1000, "name": "Старт 2025"})
    customer = register(services, "C-1")
    send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                     start_date=date(2026, 1, 10)))
    caught_up(services)
    page = workspace.get("/app/tariffs")
    assert page.status_code == 200
    assert 'href="/app/tariffs/start"' in page.text
    assert "Старт 2025" in page.text
    assert '<a href="/app/customers?tariff=start">1</a>' in page.text
    assert 'href="/app/tariffs/new"' in page.text  # an accountant launches tariffs


def test_a_tariff_page_shows_every_version_and_who_is_on_each(
        services: Services, workspace: Workspace) -> None:
    publish(services, "start")
    for n in (1, 2):
        customer = register(services, f"C-{n}")
        send(services, StartSubscription(customer_id=customer, tariff_code="start",
                                         start_date=date(2026, 1, 10)))
    publish(services, "start", {**MONTHLY_1000, "name": "Старт+"})
    caught_up(services)
    workspace.get("/app/language/en?next=/app/")
    page = workspace.get("/app/tariffs/start")
    assert page.status_code == 200
    rows = re.findall(r'<th scope="row">Version (\d)</th>\s*<td class="num">(\d+)</td>',
                      page.text)
    assert rows[:2] == [("2", "0"), ("1", "2")]
    assert "/app/customers?tariff=start" in page.text
    assert workspace.get("/app/tariffs/nothing").status_code == 404


def test_the_tariff_page_prices_each_published_version(
        services: Services, workspace: Workspace) -> None:
    publish(services, "start")
    publish(services, "start", {**MONTHLY_1000, "components": [
        {"code": "base", "name": "Плата", "kind": "flat", "price": "1200.00"}]})
    caught_up(services)
    workspace.get("/app/language/en?next=/app/")
    page = workspace.get("/app/tariffs/start?units=1&seats=1")
    assert cell(page.text, 'total="1"') == "RUB 1,220.00"  # 1000.00 + 22 % VAT
    assert cell(page.text, 'total="2"') == "RUB 1,464.00"  # 1200.00 + 22 % VAT
    live = workspace.get("/app/tariffs/start/quote?units=1&seats=1")
    assert cell(live.text, 'total="2"') == "RUB 1,464.00"


# -- publishing -------------------------------------------------------------------------------


def test_a_tariff_with_graduated_tiers_is_published_as_typed(
        services: Services, admin_workspace: Workspace) -> None:
    answer = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new", tariff_form())
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/app/tariffs/api-pro"
    assert published(services, "api-pro") == {1: TariffDefinition(
        name="API Pro", currency="RUB", trial_days=14, vat_rate=Decimal(22),
        minimum=Decimal("500.00"), components=[
            Component(code="seats", name="Seats", kind="seat", price=Decimal("990.00")),
            Component(code="calls", name="API calls", kind="metered", pricing={
                "kind": "graduated", "tiers": [
                    {"up_to": 1000, "unit_price": "0.10", "flat_fee": "0"},
                    {"up_to": 5000, "unit_price": "0.08", "flat_fee": "5.00"},
                    {"up_to": None, "unit_price": "0.0555", "flat_fee": "0"}]}),
        ])}
    shown = admin_workspace.get("/app/tariffs/api-pro")
    assert "api-pro: version 1 is published." in shown.text


def test_every_pricing_model_can_be_typed_into_the_form(
        services: Services, admin_workspace: Workspace) -> None:
    form = tariff_form(
        components="5", period_unit="quarter", period_count="2", timing="in_arrears",
        vat_mode="inclusive", vat_rate="", minimum="",
        c1_model="volume", c2_code="sms", c2_name="SMS", c2_kind="metered",
        c2_model="package", c2_package_price="100.00", c2_package_size="1000",
        c2_free_units="500", c3_code="pay", c3_name="Acquiring", c3_kind="metered",
        c3_model="percentage", c3_rate="2.5", c3_fixed_fee="0.30", c4_code="setup",
        c4_name="Onboarding", c4_kind="setup", c4_price="15000")
    assert admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                                  form).status_code == 303
    definition = published(services, "api-pro")[1]
    assert (definition.period_unit.value, definition.period_count) == ("quarter", 2)
    assert (definition.timing, definition.vat_mode.value) == ("in_arrears", "inclusive")
    assert definition.vat_rate is None
    pricing = {c.code: c.pricing for c in definition.components}
    assert pricing["calls"] is not None
    assert pricing["calls"]["kind"] == "volume"
    assert pricing["sms"] == {"kind": "package", "package_price": "100.00",
                              "package_size": 1000, "free_units": 500}
    assert pricing["pay"] == {"kind": "percentage", "rate": "2.5",
                              "fixed_fee_per_transaction": "0.30"}
    assert definition.component("setup") == Component(
        code="setup", name="Onboarding", kind="setup", price=Decimal(15000))


def test_a_new_version_is_published_from_the_latest_and_the_first_stays(
        services: Services, admin_workspace: Workspace) -> None:
    publish(services, "start")
    caught_up(services)
    form_page = admin_workspace.get("/app/tariffs/start/new-version")
    assert 'value="1000.00"' in form_page.text  # the form starts from the latest version
    answer = admin_workspace.submit(
        "/app/tariffs/start/new-version", "/app/tariffs/start/new-version", {
            "name": "Старт", "currency": "RUB", "period_count": "1", "period_unit": "month",
            "timing": "in_advance", "trial_days": "0", "vat_mode": "exclusive",
            "vat_rate": "22", "components": "1", "c0_code": "base",
            "c0_name": "Абонентская плата", "c0_kind": "flat", "c0_price": "1 190,00",
            "do": "publish"})
    assert answer.status_code == 303, answer.text
    versions = published(services, "start")
    assert sorted(versions) == [1, 2]
    assert versions[1].components[0].price == Decimal("1000.00")
    assert versions[2].components[0].price == Decimal("1190.00")


def test_publishing_what_the_latest_version_says_adds_no_version(
        services: Services, admin_workspace: Workspace) -> None:
    publish(services, "start")
    caught_up(services)
    same = dict(re.findall(r'name="([\w]+)" (?:type="text" )?value="([^"]*)"',
                           admin_workspace.get("/app/tariffs/start/new-version").text))
    answer = admin_workspace.submit("/app/tariffs/start/new-version",
                                    "/app/tariffs/start/new-version",
                                    {**same, "c0_kind": "flat", "vat_mode": "exclusive",
                                     "timing": "in_advance", "period_unit": "month",
                                     "do": "publish"})
    assert answer.status_code == 303, answer.text
    assert sorted(published(services, "start")) == [1]
    assert "nothing to publish" in admin_workspace.get("/app/tariffs/start").text


def test_a_drawn_form_publishes_once_however_often_it_is_posted(
        services: Services, admin_workspace: Workspace) -> None:
    publish(services, "start")
    caught_up(services)
    drawn = admin_workspace.get("/app/tariffs/start/new-version").text
    keys = dict(re.findall(r'name="(csrf_token|idempotency_key)" value="([^"]+)"', drawn))
    form = {**tariff_form(), **keys}
    url = "/app/tariffs/start/new-version"
    first = admin_workspace.client.post(url, data=form, follow_redirects=False)
    again = admin_workspace.client.post(url, data=form, follow_redirects=False)
    other = admin_workspace.client.post(url, data=form | {"name": "Edited"},
                                        follow_redirects=False)
    assert (first.status_code, again.status_code) == (303, 303)
    assert other.status_code == 422  # the same drawn form may not publish something else
    assert sorted(published(services, "start")) == [1, 2]
    assert published(services, "start")[2].name == "API Pro"


def test_buttons_add_a_component_and_a_tier_without_any_script(
        services: Services, admin_workspace: Workspace) -> None:
    one_more_tier = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                                           tariff_form(do="add_tier:1"))
    assert one_more_tier.status_code == 200
    assert 'name="c1_t3_up_to"' in one_more_tier.text
    assert 'name="c1_t0_unit_price" value="0.10"' in one_more_tier.text  # kept as typed
    one_more_block = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                                            tariff_form(do="add_component"))
    assert 'name="c2_code"' in one_more_block.text
    fewer = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                                   tariff_form(do="remove_component:0"))
    assert 'name="c0_code" type="text" value="calls"' in fewer.text
    assert not exists(services, "api-pro")


# -- refusals at the field --------------------------------------------------------------------


def test_tiers_that_do_not_ascend_are_refused_at_the_tier_table(
        services: Services, admin_workspace: Workspace) -> None:
    answer = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                                    tariff_form(c1_t1_up_to="800"))
    assert answer.status_code == 422
    assert re.search(r'id="f-c1_tiers" role="alert">[^<]*strictly increase', answer.text)
    assert 'name="c1_t1_up_to" value="800"' in answer.text
    assert not exists(services, "api-pro")


def test_a_bounded_last_tier_is_refused(services: Services,
                                        admin_workspace: Workspace) -> None:
    answer = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                                    tariff_form(c1_t2_up_to="9000"))
    assert answer.status_code == 422
    assert re.search(r'id="f-c1_tiers" role="alert">[^<]*no upper bound', answer.text)
    assert not exists(services, "api-pro")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("c0_price", "-5", "Must not be negative."),
    ("c0_price", "9.999", "Too many decimal places for the currency."),
    ("c1_t1_unit_price", "abc", "Enter a number."),
    ("c1_t0_up_to", "10.5", "Enter a whole number."),
    ("code", "API Pro!", "Use lower-case Latin letters"),
    ("currency", "XYZ", "Not a known ISO 4217 currency."),
    ("name", "", "Required."),
    ("period_count", "0", "Too small."),
])
def test_a_bad_value_is_refused_at_its_field(services: Services,
                                             admin_workspace: Workspace, field: str,
                                             value: str, message: str) -> None:
    answer = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                                    tariff_form(**{field: value}))
    assert answer.status_code == 422
    assert f'id="f-{field}"' in answer.text
    assert re.search(rf'aria-invalid="true" aria-describedby="e-{field}"', answer.text)
    assert re.search(rf'id="e-{field}" role="alert">{re.escape(message)}', answer.text)
    assert not exists(services, "api-pro")


def test_the_new_tariff_form_does_not_overwrite_an_existing_code(
        services: Services, admin_workspace: Workspace) -> None:
    publish(services, "api-pro")
    caught_up(services)
    answer = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new", tariff_form())
    assert answer.status_code == 422
    assert 'id="e-code"' in answer.text
    assert sorted(published(services, "api-pro")) == [1]


# -- the calculator ---------------------------------------------------------------------------


def _graduated_and_volume(units: str) -> dict[str, str]:
    """The same tiers priced both ways, and a flat fee, for ``units`` units."""
    form = tariff_form(components="3", minimum="", c0_code="base", c0_name="Base",
                       c0_kind="flat", c0_price="100.00", c1_code="grad", c1_name="Graduated",
                       c2_code="vol", c2_name="Volume", c2_kind="metered", c2_model="volume",
                       c2_tiers=str(len(TIERS)), calc_units=units, calc_seats="1")
    for j, (up_to, unit_price, flat_fee) in enumerate(TIERS):
        form |= {f"c2_t{j}_up_to": up_to, f"c2_t{j}_unit_price": unit_price,
                 f"c2_t{j}_flat_fee": flat_fee}
    return form


@pytest.mark.parametrize(("units", "graduated", "volume", "vat", "total"), [
    # 1,000 × 0.10 + 5.00 + 500 × 0.08 = 145.00 | 1,500 × 0.08 + 5.00 = 125.00
    ("1500", "RUB 145.00", "RUB 125.00", "RUB 81.40", "RUB 451.40"),
    # 100.00 + 5.00 + 320.00 + 2,777 × 0.0555 = 579.1235 | 7,777 × 0.0555 = 431.6235
    ("7777", "RUB 579.12", "RUB 431.62", "RUB 244.37", "RUB 1,355.11"),
    # a quantity of 0 lies in the first tier: nothing charged
    ("0", "RUB 0.00", "RUB 0.00", "RUB 22.00", "RUB 122.00"),
])
def test_the_calculator_prices_graduated_and_volume_tiers_to_the_kopeck(
        admin_workspace: Workspace, units: str, graduated: str, volume: str, vat: str,
        total: str) -> None:
    form = _graduated_and_volume(units)
    for answer in (
        admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new",
                               form | {"do": "calculate"}),
        admin_workspace.client.post("/app/tariffs/quote", data=form),  # what the script asks
    ):
        assert answer.status_code == 200, answer.text
        assert cell(answer.text, 'code="grad"') == graduated
        assert cell(answer.text, 'code="vol"') == volume
        assert cell(answer.text, 'total="vat"') == vat  # VAT per line, half-up
        assert cell(answer.text, 'total="gross"') == total


def test_the_calculator_tops_up_to_the_minimum_and_counts_seats(
        admin_workspace: Workspace) -> None:
    form = tariff_form(calc_units="100", calc_seats="0", vat_rate="", do="calculate")
    answer = admin_workspace.submit("/app/tariffs/new", "/app/tariffs/new", form)
    assert cell(answer.text, 'code="calls"') == "RUB 10.00"
    assert cell(answer.text, 'code="minimum"') == "RUB 490.00"
    assert cell(answer.text, 'total="gross"') == "RUB 500.00"
    seats = admin_workspace.client.post("/app/tariffs/quote",
                                        data=form | {"calc_seats": "3"})
    assert cell(seats.text, 'code="seats"') == "RUB 2,970.00"
    assert "minimum" not in re.findall(r'data-code="(\w+)"', seats.text)


def test_the_calculator_says_what_to_fix_instead_of_a_price(
        admin_workspace: Workspace) -> None:
    answer = admin_workspace.client.post("/app/tariffs/quote",
                                         data=tariff_form(c1_t1_up_to="800", calc_units="5"))
    assert answer.status_code == 422
    assert 'data-total="gross"' not in answer.text
    assert "strictly increase" in answer.text


# -- roles ------------------------------------------------------------------------------------


def test_an_auditor_sees_no_publish_button_and_is_refused(
        services: Services, auditor_workspace: Workspace) -> None:
    publish(services, "start")
    caught_up(services)
    assert "/app/tariffs/new" not in auditor_workspace.get("/app/tariffs").text
    assert "new-version" not in auditor_workspace.get("/app/tariffs/start").text
    assert auditor_workspace.get("/app/tariffs/new").status_code == 403
    refused = auditor_workspace.submit("/app/tariffs", "/app/tariffs/new", tariff_form())
    assert refused.status_code == 403
    again = auditor_workspace.submit("/app/tariffs", "/app/tariffs/start/new-version",
                                     tariff_form())
    assert again.status_code == 403
    assert not exists(services, "api-pro")
    assert sorted(published(services, "start")) == [1]


def test_an_accountant_launches_a_tariff_without_a_programmer(
        services: Services, workspace: Workspace) -> None:
    assert workspace.get("/app/tariffs/new").status_code == 200
    launched = workspace.submit("/app/tariffs/new", "/app/tariffs/new", tariff_form())
    assert launched.status_code == 303, launched.text
    assert exists(services, "api-pro")
    priced = workspace.client.post("/app/tariffs/quote", data=tariff_form(calc_units="10"))
    assert priced.status_code == 200


def test_a_post_without_the_forms_csrf_token_is_refused(
        services: Services, admin_workspace: Workspace) -> None:
    answer = admin_workspace.client.post("/app/tariffs/new", data=tariff_form(),
                                         follow_redirects=False)
    assert answer.status_code == 403
    assert not exists(services, "api-pro")


def test_the_pages_speak_russian_by_default(services: Services, workspace: Workspace) -> None:
    publish(services, "start")
    caught_up(services)
    catalog = workspace.get("/app/tariffs").text
    assert "Каталог тарифов" in catalog
    assert "ежемесячно, авансом" in catalog
    tariff = workspace.get("/app/tariffs/start?units=1&seats=1").text
    assert "Калькулятор цены" in tariff
    assert "1\u00a0220,00\u00a0₽" in tariff  # 1000.00 + 22 % VAT, written the Russian way


def test_a_form_sent_again_with_other_values_comes_back_with_a_new_key(
        services: Services, admin_workspace: Workspace) -> None:
    publish(services, "start")
    caught_up(services)
    drawn = admin_workspace.get("/app/tariffs/start/new-version").text
    keys = dict(re.findall(r'name="(csrf_token|idempotency_key)" value="([^"]+)"', drawn))
    form = {**tariff_form(), **keys}
    url = "/app/tariffs/start/new-version"
    assert admin_workspace.client.post(url, data=form, follow_redirects=False).status_code == 303
    other = admin_workspace.client.post(url, data=form | {"name": "Edited"},
                                        follow_redirects=False)
    assert other.status_code == 422
    assert "This form was already sent; check the card, then send again." in other.text
    new_key = re.search(r'name="idempotency_key" value="([^"]+)"', other.text)
    assert new_key
    assert new_key.group(1) != keys["idempotency_key"]
    resent = admin_workspace.client.post(url, follow_redirects=False, data=form | {
        "name": "Edited", "idempotency_key": new_key.group(1)})
    assert resent.status_code == 303
    assert published(services, "start")[3].name == "Edited"
