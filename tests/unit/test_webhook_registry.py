"""The webhook registry, as given/when/then specifications (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ledger.errors import Conflict, InvalidField, NotFound
from ledger.events import LedgerEvent, Provenance
from ledger.webhooks import (
    WEBHOOK_REGISTRY_ID,
    WebhookEndpointEnabled,
    WebhookEndpointFailing,
    WebhookEndpointRegistered,
    WebhookEventType,
    WebhookRegistry,
    WebhookSecretRotated,
    check_url,
)

P = Provenance(actor="admin:root", source="api", recorded_at=datetime(2026, 1, 15, tzinfo=UTC),
               correlation_id=uuid4(), idempotency_key="k-1")
DAY = date(2026, 1, 15)
PAID = [WebhookEventType.PAYMENT_RECEIVED]


def names(registry: WebhookRegistry) -> list[str]:
    return [type(e).__name__ for e in registry.collect_events() if isinstance(e, LedgerEvent)]


def given_registry_with(endpoint_id: str = "ep-1") -> WebhookRegistry:
    registry = WebhookRegistry.open(P, DAY)
    registry.register(P, DAY, endpoint_id=endpoint_id, url="https://crm.example/hooks",
                      event_types=PAID, days_before=[7])
    registry.collect_events()
    return registry


def test_registering_records_the_endpoint_without_any_secret() -> None:
    registry = WebhookRegistry.open(P, DAY)
    registry.register(P, DAY, endpoint_id="ep-1", url="https://crm.example/hooks",
                      event_types=PAID, days_before=[7, 1])
    events = [e for e in registry.collect_events() if isinstance(e, WebhookEndpointRegistered)]
    assert registry.id == WEBHOOK_REGISTRY_ID
    assert [e.days_before for e in events] == [[1, 7]]
    assert "secret" not in " ".join(events[0].model_dump(mode="json"))
    assert registry.endpoint("ep-1").secret_version == 1


@pytest.mark.parametrize(("url", "why"), [
    ("ftp://crm.example/hooks", "http"),
    ("https:///no-host", "host"),
    ("https://user:pw@crm.example/", "credentials"),
    ("crm.example/hooks", "http"),
])
def test_a_url_that_is_not_plain_http_or_https_is_refused_naming_the_field(
        url: str, why: str) -> None:
    with pytest.raises(InvalidField) as refused:
        check_url(url)
    assert refused.value.field == "url"
    assert why in refused.value.detail


def test_an_endpoint_id_is_registered_once() -> None:
    registry = given_registry_with("ep-1")
    with pytest.raises(Conflict):
        registry.register(P, DAY, endpoint_id="ep-1", url="https://other.example/",
                          event_types=PAID, days_before=[7])


def test_event_types_and_day_counts_are_each_given_once() -> None:
    registry = given_registry_with()
    with pytest.raises(InvalidField) as twice:
        registry.change_event_types(P, DAY, "ep-1", PAID + PAID, [7])
    assert twice.value.field == "event_types"
    with pytest.raises(InvalidField) as days:
        registry.change_event_types(P, DAY, "ep-1", PAID, [0])
    assert days.value.field == "days_before"


def test_changing_to_the_same_subscription_records_nothing() -> None:
    registry = given_registry_with()
    assert registry.change_event_types(P, DAY, "ep-1", PAID, [7]) is False
    assert names(registry) == []


def test_rotating_moves_to_the_next_secret_version() -> None:
    registry = given_registry_with()
    assert registry.rotate_secret(P, DAY, "ep-1") == 2
    assert registry.rotate_secret(P, DAY, "ep-1") == 3
    rotated = [e for e in registry.collect_events() if isinstance(e, WebhookSecretRotated)]
    assert [e.secret_version for e in rotated] == [2, 3]


def test_an_endpoint_is_marked_failing_once_and_enabling_clears_it() -> None:
    registry = given_registry_with()
    assert registry.mark_failing(P, DAY, "ep-1", delivery_id="d-1", attempts=20,
                                 last_error="HTTP 500") is True
    assert registry.mark_failing(P, DAY, "ep-1", delivery_id="d-2", attempts=20,
                                 last_error="HTTP 500") is False
    assert registry.enable(P, DAY, "ep-1") is True
    assert registry.enable(P, DAY, "ep-1") is False
    assert names(registry) == [WebhookEndpointFailing.__name__, WebhookEndpointEnabled.__name__]
    assert registry.endpoint("ep-1").failing is False


def test_disabling_needs_no_repeat_and_unknown_endpoints_are_not_found() -> None:
    registry = given_registry_with()
    assert registry.disable(P, DAY, "ep-1", "maintenance") is True
    assert registry.disable(P, DAY, "ep-1", "maintenance") is False
    assert registry.endpoint("ep-1").enabled is False
    with pytest.raises(NotFound):
        registry.resend(P, DAY, "ep-2", "d-1")
