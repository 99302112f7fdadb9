"""Importing the customer list: preview every row, confirm the valid ones, once.

The preview writes nothing and says, row by row, what confirming would do; confirming
applies the valid rows as per-customer commands, and the same file again changes nothing.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook

from api.imports import apply_customers, preview_customers
from commands.update_customer import UpdateCustomer
from ledger.access import Role
from ledger.customers import customer_id_for
from tests.api.conftest import auth
from tests.support.dsl import event_names, register, send

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

CSV = """\
Наименование;ИНН;КПП;Email;Менеджер;Теги;Внешний ключ
ООО Ромашка;7707049388;770701001;buh@romashka.ru;Анна Петрова;VIP, опт;CRM-1
ООО Ошибка;7707049389;;;;;CRM-2
;7702070139;;;;;CRM-3
ООО Дубль;;;;;;CRM-1
ИП Смирнов;500100732259;;ip@smirnov.ru;;;
ПАО Новое имя;7736050003;;;Иван Сидоров;;
ООО Лютик;7728168971;;;;;CRM-5
"""


def actions(preview: dict[str, Any]) -> dict[int, str]:
    return {row["row"]: row["action"] for row in preview["rows"]}


def existing(services: Services) -> None:
    register(services, "CRM-9", name="ПАО Старое имя", inn="7736050003")
    register(services, "CRM-5", name="ООО Лютик", inn="7728168971")


def test_the_preview_says_what_each_row_would_do_and_writes_nothing(services: Services) -> None:
    existing(services)
    head = services.ledger.max_position()
    preview = preview_customers(services, "clients.csv", CSV.encode()).as_dict()
    assert actions(preview) == {2: "create", 3: "error", 4: "error", 5: "error", 6: "create",
                                7: "update", 8: "unchanged"}
    assert preview["counts"] == {"create": 2, "update": 1, "unchanged": 1, "error": 3}
    rows = {row["row"]: row for row in preview["rows"]}
    assert rows[3]["errors"] == [{"field": "inn", "message": "ИНН 7707049389: wrong check digit"}]
    assert rows[4]["errors"][0]["field"] == "name"
    assert rows[5]["errors"] == [{"field": "external_key", "message": "the same as row 2"}]
    assert rows[6]["external_key"] == "inn:500100732259"
    assert rows[7]["matched_by"] == "inn"
    assert rows[7]["customer_id"] == str(customer_id_for("CRM-9"))
    assert rows[7]["changes"] == {"name": "ПАО Новое имя", "manager": "Иван Сидоров"}
    assert rows[8]["matched_by"] == "external_key"
    assert rows[2]["fields"]["tags"] == ["VIP", "опт"]
    assert services.ledger.max_position() == head


def test_confirming_applies_the_valid_rows_and_reports_the_skipped_ones(
    services: Services,
) -> None:
    existing(services)
    report = apply_customers(services, CSV.encode(), "accountant:anna", filename="c.csv")
    assert report.counts() == {"created": 2, "skipped": 3, "updated": 1, "unchanged": 1}
    romashka = services.ledger.customer(customer_id_for("CRM-1")).state.profile
    assert (romashka.name, romashka.manager, romashka.tags) == (
        "ООО Ромашка", "Анна Петрова", ["VIP", "опт"])
    renamed = services.ledger.history(customer_id_for("CRM-9"))[-1]
    assert renamed.changes == {"name": "ПАО Новое имя", "manager": "Иван Сидоров"}  # type: ignore[attr-defined]
    assert (renamed.meta.actor, renamed.meta.source) == ("accountant:anna", "import")
    assert renamed.meta.idempotency_key == f"customer-import/{report.sha256}/7"
    assert event_names(services, customer_id_for("CRM-5")) == ["CustomerRegistered"]
    assert services.ledger.exists(customer_id_for("inn:500100732259"))


def test_the_same_file_again_changes_nothing(services: Services) -> None:
    existing(services)
    apply_customers(services, CSV.encode(), "accountant:anna")
    head = services.ledger.max_position()
    again = apply_customers(services, CSV.encode(), "accountant:anna")
    assert again.counts() == {"unchanged": 4, "skipped": 3}
    assert services.ledger.max_position() == head


def test_two_rows_reaching_one_customer_make_the_second_an_error(services: Services) -> None:
    existing(services)  # CRM-9 is ПАО Старое имя, ИНН 7736050003
    text = ("Наименование;ИНН;Внешний ключ\nПАО Новое имя;;CRM-9\n"
            "ПАО Другое имя;7736050003;\n")
    first, second = preview_customers(services, None, text.encode()).rows
    assert (first.action, first.matched_by) == ("update", "external_key")
    assert second.action == "error"
    assert second.errors == [{"field": "inn", "message": "the same customer as row 2"}]
    report = apply_customers(services, text.encode(), "accountant:anna")
    assert report.counts() == {"updated": 1, "skipped": 1}
    assert services.ledger.customer(customer_id_for("CRM-9")).state.profile.name == (
        "ПАО Новое имя")


def test_a_key_first_seen_on_a_row_matched_by_inn_is_kept_so_the_key_alone_finds_it_later(
    services: Services,
) -> None:
    first = "Наименование;ИНН\nООО Ромашка;7707049388\n"  # registered as inn:7707049388
    second = "Наименование;ИНН;Внешний ключ\nООО Ромашка;7707049388;CRM-7\n"
    third = "Наименование;Внешний ключ\nООО Ромашка;CRM-7\n"  # the CRM key alone
    customer = customer_id_for("inn:7707049388")

    created = apply_customers(services, first.encode(), "accountant:anna")
    (row,) = preview_customers(services, None, second.encode()).rows
    kept = apply_customers(services, second.encode(), "accountant:anna")
    found = preview_customers(services, None, third.encode()).rows
    again = apply_customers(services, third.encode(), "accountant:anna")

    assert created.counts() == {"created": 1}
    assert (row.action, row.matched_by, row.external_key) == ("update", "inn", "inn:7707049388")
    assert row.changes == {"external_ids": {"import": "CRM-7"}}
    assert kept.counts() == {"updated": 1}
    assert services.ledger.customer(customer).state.profile.external_ids == {"import": "CRM-7"}
    assert [(r.action, r.matched_by, r.customer_id) for r in found] == [
        ("unchanged", "external_key", str(customer))]
    assert again.counts() == {"unchanged": 1}
    assert not services.ledger.exists(customer_id_for("CRM-7"))  # no second ООО Ромашка


def test_a_third_key_for_a_customer_found_by_inn_is_an_error_naming_its_keys(
    services: Services,
) -> None:
    register(services, "CRM-1", name="ООО Ромашка", inn="7707049388")
    apply_customers(services, "Наименование;ИНН;Внешний ключ\nООО Ромашка;7707049388;ERP-1\n"
                    .encode(), "accountant:anna")

    (row,) = preview_customers(services, None, (
        "Наименование;ИНН;Внешний ключ\nООО Ромашка;7707049388;ERP-2\n").encode()).rows

    assert row.action == "error"
    assert row.errors == [{"field": "external_key", "message": (
        "ИНН 7707049388 belongs to customer CRM-1, whose keys are CRM-1 and ERP-1;"
        " ERP-2 is neither")}]


def test_the_same_file_after_the_customer_was_edited_is_already_applied(
    services: Services,
) -> None:
    existing(services)
    first = apply_customers(services, CSV.encode(), "accountant:anna")
    # row 2 registered CRM-1; renamed since, the row now reads as an update under its key
    send(services, UpdateCustomer(customer_id=customer_id_for("CRM-1"), name="АО Ромашка"))
    head = services.ledger.max_position()
    again = apply_customers(services, CSV.encode(), "accountant:anna")
    (row,) = [r for r in again.rows if r["row"] == 2]
    assert (row["outcome"], row["errors"], row["note"]) == (
        "unchanged", [], "this file's row was already applied")
    assert "failed" not in again.counts()
    assert services.ledger.max_position() == head
    assert first.sha256 == again.sha256


def test_a_preview_confirmed_twice_at_once_records_each_row_once(services: Services) -> None:
    existing(services)
    preview = preview_customers(services, None, CSV.encode())
    first = apply_customers(services, preview, "accountant:anna")
    second = apply_customers(services, preview, "accountant:anna")  # the same, stale preview
    assert first.counts()["created"] == 2
    assert [r["outcome"] for r in second.rows if r["row"] == 2] == ["unchanged"]
    assert event_names(services, customer_id_for("CRM-1")) == ["CustomerRegistered"]


def test_an_xlsx_in_english_keeps_the_leading_zero_of_a_numeric_inn(services: Services) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "INN", "external key", "tags", "Колонка X"])
    sheet.append(["ООО Башкирия", 274062111, "CRM-77", "b; a", "ignored"])
    data = io.BytesIO()
    book.save(data)
    preview = preview_customers(services, "clients.xlsx", data.getvalue())
    (row,) = preview.rows
    assert (row.action, row.fields["inn"], row.fields["tags"]) == ("create", "0274062111",
                                                                   ["a", "b"])
    assert preview.ignored_columns == ["Колонка X"]


def test_inn_matching_two_customers_asks_for_the_kpp(services: Services) -> None:
    register(services, "HQ", name="ООО Ромашка", inn="7707049388", kpp="770701001")
    register(services, "BRANCH", name="ООО Ромашка (филиал)", inn="7707049388",
             kpp="771401001")
    text = "name;inn;kpp\nООО Ромашка;7707049388;\nООО Ромашка (филиал);7707049388;771401001\n"
    (ambiguous, narrowed) = preview_customers(services, None, text.encode()).rows
    assert ambiguous.action == "error"
    assert ambiguous.errors[0]["field"] == "inn"
    assert (narrowed.action, narrowed.customer_id) == ("unchanged",
                                                        str(customer_id_for("BRANCH")))


# -- over HTTP -----------------------------------------------------------------------------


def upload(text: str, name: str = "clients.csv") -> dict[str, Any]:
    return {"file": (name, text.encode("cp1251"), "text/csv")}


def test_the_http_preview_and_confirm_take_a_windows_1251_file(
    client: TestClient, services: Services, keys: dict[Role, str],
) -> None:
    existing(services)
    headers = auth(keys[Role.ACCOUNTANT])
    preview = client.post("/v1/customer-imports/preview", files=upload(CSV), headers=headers)
    assert preview.status_code == 200, preview.text
    assert preview.json()["counts"] == {"create": 2, "update": 1, "unchanged": 1, "error": 3}
    confirmed = client.post("/v1/customer-imports", files=upload(CSV), headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["counts"]["created"] == 2
    position = confirmed.json()["position"]
    listed = client.get(f"/v1/customers?manager=Анна Петрова&wait_for={position}",
                        headers=headers)
    assert [c["name"] for c in listed.json()["items"]] == ["ООО Ромашка"]


def test_a_file_without_a_name_column_is_refused_naming_the_file(
    client: TestClient, keys: dict[Role, str],
) -> None:
    response = client.post("/v1/customer-imports/preview", files=upload("ИНН;КПП\n1;2\n"),
                           headers=auth(keys[Role.ACCOUNTANT]))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "file"


def test_the_import_is_for_accountants_and_admins(
    client: TestClient, keys: dict[Role, str],
) -> None:
    for role in (Role.SERVICE, Role.AUDITOR):
        response = client.post("/v1/customer-imports", files=upload(CSV),
                               headers=auth(keys[role]))
        assert response.status_code == 403, role
    assert client.post("/v1/customer-imports", files=upload(CSV)).status_code == 401
