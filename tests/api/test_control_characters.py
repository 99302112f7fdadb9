"""Given text with control characters in a command, when it is sent, then it is refused at
its field (422) and nothing is written; tabs and line breaks are text like any other.

Text a command records travels into events, documents, exports and the operator's terminal,
where an escape sequence would clear the screen or hide the rows after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from pydantic import ValidationError

from commands.register_customer import RegisterCustomer
from commands.sync_crm_customer import SyncCrmCustomer
from ledger.access import Role
from tests.api.conftest import auth

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from api.bootstrap import Services

HOSTILE = "ООО Ромашка\x1b[2J\x1b[H\x1b]0;owned\x07"


def test_a_name_with_an_escape_sequence_is_refused_at_its_field(
    client: TestClient, keys: dict[Role, str], services: Services,
) -> None:
    before = services.ledger.max_position()
    answer = client.post("/v1/customers", headers=auth(keys[Role.SERVICE], "esc-1"),
                         json={"external_key": "CRM-ESC", "name": HOSTILE})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == "name"
    assert "control characters (found U+001B)" in answer.json()["detail"]
    assert services.ledger.max_position() == before


@pytest.mark.parametrize("text", ["строка 1\nстрока 2", "колонка\tзначение", "Итого\r\n"])
def test_tabs_and_line_breaks_are_text(text: str) -> None:
    RegisterCustomer(external_key="C-1", name="ООО Ромашка", manager=text)


def test_text_inside_lists_is_checked_too() -> None:
    with pytest.raises(ValidationError) as caught:
        SyncCrmCustomer(source="amocrm", record_id="contact:1", name="ООО",
                        tags=["vip", "bad\x9b31m"])
    assert caught.value.errors()[0]["loc"] == ("tags",)
