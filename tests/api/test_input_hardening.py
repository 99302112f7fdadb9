"""Input that costs more than it says, or says more than a price may: each refused or bounded.

Found by a security review and a docs review:

- a 5 KB XLSX customer list declaring one cell at XFD10000 was read as 10,000 × 16,384
  cells, and a zip that unpacks to gigabytes was opened;
- a few hundred bytes of nested YAML aliases in a tariff catalog held a worker for seconds;
- tariff prices took an exponent, ``_`` and spaces (``"1e3"`` was published as ``1E+3``),
  contrary to docs/money-policy.md;
- an individual price finer than a kopeck was refused naming ``amount``, a field the request
  does not have.
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from api.cli import app
from api.crm.spreadsheet import MAX_UNPACKED_BYTES, UnreadableImport, read_sheet
from ledger.access import Role
from ledger.decimal_text import AS_RECORDED
from ledger.errors import InvalidField
from ledger.events import Provenance
from ledger.tariffs import Tariff, TariffDefinition, tariff_id_for
from ledger.tariffs.aggregate import TariffPublished
from ledger.tariffs.catalog_file import read_catalog
from tests.api.conftest import auth, individual_prices_url
from tests.support.dsl import event_names

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from api.bootstrap import Services

MB = 1024 * 1024

# -- F1: a customer list is read within bounds, whatever the file declares --------------------


def _workbook(*rows: list[Any], far_cell: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    if far_cell:
        sheet[far_cell] = "x"  # the sheet now declares itself A1:<far_cell>
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def test_a_workbook_declaring_one_far_cell_is_read_in_little_memory() -> None:
    data = _workbook(["Наименование", "ИНН"], ["ООО Ромашка", "7707049388"],
                     ["ООО Лютик", "7714000011"], far_cell="XFD1000")
    assert len(data) < 10_000  # a few kilobytes, declaring 1,000 × 16,384 cells

    tracemalloc.start()
    try:
        sheet = read_sheet("clients.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 50 * MB, f"reading took {peak // MB} MB"
    assert [(number, row) for number, row in sheet.rows] == [
        (2, {"name": "ООО Ромашка", "inn": "7707049388"}),
        (3, {"name": "ООО Лютик", "inn": "7714000011"}),
    ]


def test_rows_past_the_limit_are_refused_without_reading_them_all() -> None:
    data = _workbook(["name"], ["ООО Ромашка"], far_cell="A20000")  # 19,999 rows, all but 1 empty

    with pytest.raises(UnreadableImport) as refused:
        read_sheet("clients.xlsx", data)

    assert refused.value.field == "file"
    assert "more than 10000 rows" in refused.value.detail


def test_a_zip_that_unpacks_to_too_much_is_refused_unopened_naming_the_file(
    client: TestClient, keys: dict[Role, str],
) -> None:
    packed = io.BytesIO(_workbook(["name"], ["ООО Ромашка"]))
    with zipfile.ZipFile(packed, "a", compression=zipfile.ZIP_DEFLATED) as archive, \
            archive.open("xl/media/padding.bin", "w") as padding:
        for _ in range(MAX_UNPACKED_BYTES // MB + 1):
            padding.write(bytes(MB))
    assert len(packed.getvalue()) < 200_000  # kilobytes that unpack to megabytes

    response = client.post("/v1/customer-imports/preview",
                           files={"file": ("clients.xlsx", packed.getvalue(), "application/zip")},
                           headers=auth(keys[Role.ACCOUNTANT]))

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "file"
    assert "unpacks to" in response.json()["detail"]


# -- F3: a catalog file spells its values out: no YAML alias --------------------------------


def _alias_bomb() -> str:
    """Seven levels of ten aliases each: a few hundred bytes that unfold into ten million."""
    lines = ['a0: &a0 ["x"]']
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 8)]
    return "\n".join([*lines, "tariffs: *a7"])


def test_a_catalog_with_nested_aliases_is_refused_before_they_unfold() -> None:
    with pytest.raises(InvalidField) as refused:
        read_catalog(_alias_bomb(), "yaml")

    assert refused.value.field == "file"
    assert refused.value.detail == ("line 2: YAML aliases (*name) are not allowed in a catalog"
                                    " file; write each value out")


def test_an_alias_bomb_posted_to_the_import_is_a_problem_naming_the_file(
    client: TestClient, keys: dict[Role, str],
) -> None:
    response = client.post("/v1/tariffs/import?format=yaml", content=_alias_bomb().encode(),
                           headers={**auth(keys[Role.ADMIN]), "Content-Type": "text/plain"})

    assert response.status_code == 422, response.text
    assert response.json()["field"] == "file"
    assert "aliases" in response.json()["detail"]


def test_a_catalog_nested_past_any_tariff_is_refused_not_a_crash() -> None:
    with pytest.raises(InvalidField) as refused:
        read_catalog("tariffs: " + "[" * 100_000, "yaml")

    assert refused.value.field == "file"
    assert "nested deeper than 32 levels" in refused.value.detail


TIERED_CATALOG = """tariffs:
- code: api
  definition:
    name: API
    currency: RUB
    minimum: '500.00'
    components:
    - code: base
      name: Абонентская плата
      kind: flat
      price: '1000.00'
    - code: calls
      name: Вызовы
      kind: metered
      pricing:
        kind: graduated
        tiers:
        - {up_to: 1000, unit_price: '0', flat_fee: '0'}
        - {up_to: null, unit_price: '0.0000001', flat_fee: '10.50'}
"""


def test_the_exported_catalog_reads_back_and_imports_as_unchanged(tmp_path: Path) -> None:
    env = {"LBX_DATA_DIR": str(tmp_path / "var"), "LBX_DATABASE_URL": ""}
    source, exported = tmp_path / "catalog.yaml", tmp_path / "exported.yaml"
    source.write_text(TIERED_CATALOG, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["tariffs", "import", str(source)], env=env).exit_code == 0

    written = runner.invoke(app, ["tariffs", "export", str(exported)], env=env)
    again = runner.invoke(app, ["tariffs", "import", str(exported)], env=env)

    assert written.exit_code == 0, written.output
    text = exported.read_text(encoding="utf-8")
    assert "unit_price: '0.0000001'" in text  # plain decimal text, never 1E-7
    assert read_catalog(text, "yaml") == read_catalog(TIERED_CATALOG, "yaml")
    assert again.exit_code == 0, again.output
    assert "api: version 1" in again.output  # nothing changed: no new version


# -- D2: a tariff price is plain decimal text, at every boundary -----------------------------

NOT_PLAIN = ["1e3", "1E+3", "1_000", " 1000 ", "1000 ", "١٠٠٠", "１０００", "+1000", "-1000",
             "1.", ".5", "NaN"]


def _tariff(**fields: Any) -> dict[str, Any]:
    components = [{"code": "base", "name": "Абонентская плата", "kind": "flat",
                   "price": fields.pop("price", "1000.00")}]
    if "pricing" in fields:
        components.append({"code": "calls", "name": "Вызовы", "kind": "metered",
                           "pricing": fields.pop("pricing")})
    return {"code": "start", "definition": {"name": "Старт", "currency": "RUB",
                                            "components": components, **fields}}


def _published(client: TestClient, keys: dict[Role, str]) -> list[str]:
    items = client.get("/v1/tariffs", headers=auth(keys[Role.ADMIN])).json()["items"]
    return [str(item["code"]) for item in items]


@pytest.mark.parametrize("price", NOT_PLAIN)
def test_a_tariff_price_that_is_not_plain_decimal_text_is_refused_naming_it(
    client: TestClient, keys: dict[Role, str], price: str,
) -> None:
    refused = client.post("/v1/tariffs", json=_tariff(price=price),
                          headers=auth(keys[Role.ADMIN], "t"))

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "definition.components.0.price"
    assert "is not a decimal string such as '1500.00'" in refused.json()["detail"]
    assert _published(client, keys) == []


def test_a_tariff_minimum_with_an_exponent_is_refused_naming_it(
    client: TestClient, keys: dict[Role, str],
) -> None:
    refused = client.post("/v1/tariffs", json=_tariff(minimum="5e2"),
                          headers=auth(keys[Role.ADMIN], "t"))

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "definition.minimum"
    assert _published(client, keys) == []


@pytest.mark.parametrize(("pricing", "field"), [
    ({"kind": "per_unit", "unit_price": "5e-2"}, "pricing.unit_price"),
    ({"kind": "graduated", "tiers": [{"up_to": None, "unit_price": "1", "flat_fee": "1_000"}]},
     "pricing.tiers.0.flat_fee"),
    ({"kind": "package", "package_price": " 100 ", "package_size": 10}, "pricing.package_price"),
    ({"kind": "percentage", "rate": "2.5", "fixed_fee_per_transaction": "1e1"},
     "pricing.fixed_fee_per_transaction"),
])
def test_a_metered_price_that_is_not_plain_decimal_text_is_refused_naming_it(
    client: TestClient, keys: dict[Role, str], pricing: dict[str, Any], field: str,
) -> None:
    refused = client.post("/v1/tariffs", json=_tariff(pricing=pricing),
                          headers=auth(keys[Role.ADMIN], "t"))

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    assert "is not a decimal string such as '1500.00'" in refused.json()["detail"]
    assert _published(client, keys) == []


def test_plain_decimal_text_and_whole_numbers_are_published_as_given(
    client: TestClient, keys: dict[Role, str],
) -> None:
    done = client.post("/v1/tariffs", json=_tariff(
        price=1000, minimum="500.00", pricing={"kind": "per_unit", "unit_price": "0.0006"}),
        headers=auth(keys[Role.ADMIN], "t"))

    assert done.status_code == 201, done.text
    exported = client.get("/v1/tariffs/export?format=json", headers=auth(keys[Role.ADMIN]))
    (entry,) = exported.json()["tariffs"]
    assert [c.get("price") for c in entry["definition"]["components"]] == ["1000", None]
    assert entry["definition"]["components"][1]["pricing"]["unit_price"] == "0.0006"
    assert entry["definition"]["minimum"] == "500.00"


@pytest.mark.parametrize(("line", "typed"), [
    ("price: 1e3", "1e3"),  # YAML reads an unquoted 1e3 as text
    ("price: '1_000.00'", "1_000.00"),
    ("price: ' 1000.00'", " 1000.00"),
])
def test_a_catalog_price_that_is_not_plain_decimal_text_is_refused_naming_its_path(
    line: str, typed: str,
) -> None:
    text = TIERED_CATALOG.replace("price: '1000.00'", line)

    with pytest.raises(InvalidField) as refused:
        read_catalog(text, "yaml")

    where = "tariffs.0.definition.components.0.price"
    assert refused.value.field == where
    assert refused.value.detail.startswith(
        f"{where}: {typed!r} is not a decimal string such as '1500.00'")


def test_a_catalog_price_with_an_exponent_imported_over_http_publishes_nothing(
    client: TestClient, keys: dict[Role, str],
) -> None:
    text = TIERED_CATALOG.replace("price: '1000.00'", "price: '1E+3'")

    refused = client.post("/v1/tariffs/import?format=yaml", content=text.encode(),
                          headers={**auth(keys[Role.ADMIN]), "Content-Type": "text/plain"})

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "tariffs.0.definition.components.0.price"
    assert _published(client, keys) == []


def test_a_version_published_before_the_rule_still_reads_back(services: Services) -> None:
    """Given a version recorded with ``1E+3`` and ``1_000``, its history still replays."""
    recorded = TariffDefinition.model_validate(_tariff(
        price="1E+3", pricing={"kind": "per_unit", "unit_price": "1_000"})["definition"],
        context=AS_RECORDED)
    now = datetime(2026, 1, 10, tzinfo=UTC)
    tariff = Tariff.publish_first(
        Provenance(actor="tester", source="api", recorded_at=now, correlation_id=uuid4()),
        date(2026, 1, 10), "legacy", recorded)
    services.ledger.save_all(tariff)

    (published,) = services.ledger.history(tariff_id_for("legacy"))

    assert isinstance(published, TariffPublished)
    assert published.definition.components[0].price == 1000
    assert str(published.definition.components[1].model().price(3, "RUB")) == "3000.00 RUB"


# -- D4: an individual price names the field the request has ---------------------------------


def test_an_individual_price_finer_than_a_kopeck_is_refused_naming_price(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    url = individual_prices_url(client, keys, services)
    customer = url.split("/")[3]
    before = event_names(services, UUID(customer))

    refused = client.post(
        url,
        json={"component": "base", "price": "990.123", "note": "Договор № 5",
              "agreed_by": "Директор"},
        headers=auth(keys[Role.ACCOUNTANT], "p"))

    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "price"
    assert refused.json()["detail"] == "990.123: RUB has at most 2 decimal places"
    assert event_names(services, UUID(customer)) == before
