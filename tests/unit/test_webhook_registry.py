"""The webhook registry, as given/when/then specifications (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ledger.errors import Conflict, InvalidField, NotFound
from ledger.events import LedgerEvent, Provenance
from ledger.webhooks import (
    MAX_ERROR_SUMMARY,
    WEBHOOK_REGISTRY_ID,
    WebhookEndpointEnabled,
    WebhookEndpointFailing,
    WebhookEndpointRegistered,
    WebhookEventType,
    WebhookEventTypesChanged,
    WebhookRegistry,
    WebhookSecretRotated,
    check_url,
    is_public,
    literal_address,
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


@pytest.mark.parametrize(("url", "why"), [
    ("http://a..b/hook", "host"),
    ("http://.crm.example/hook", "host"),
    ("http://" + "a" * 64 + ".example/hook", "host"),
    ("http://crm$.example/hook", "host"),
    ("http://crm.example:99999/hook", "port"),
    ("http://crm.example:http/hook", "port"),
    ("http://crm.example:0/hook", "port"),
])
def test_a_url_whose_host_or_port_no_client_can_use_is_refused(url: str, why: str) -> None:
    with pytest.raises(InvalidField) as refused:
        check_url(url)
    assert refused.value.field == "url"
    assert why in refused.value.detail


@pytest.mark.parametrize("url", [
    "https://crm.example/hooks", "http://crm.example:8080/a?b=c", "https://пример.рф/hooks",
    "http://127.0.0.1:8000/hooks", "http://[2001:db8::1]/hooks", "http://crm.example./hooks",
])
def test_a_plain_http_or_https_url_is_accepted(url: str) -> None:
    assert check_url(url) == url


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.216.34", True), ("2a00:1450:4010::64", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.0.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),  # noqa: S104
    ("224.0.0.1", False), ("240.0.0.1", False), ("::1", False), ("fe80::1", False),
    ("fd00::1", False), ("::ffff:127.0.0.1", False), ("::ffff:169.254.169.254", False),
])
def test_only_global_unicast_addresses_are_public(address: str, public: bool) -> None:
    found = literal_address(address)
    assert found is not None
    assert is_public(found) is public


@pytest.mark.parametrize(("host", "address"), [
    ("2130706433", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"), ("017700000001", "127.0.0.1"), ("0", "0.0.0.0"),  # noqa: S104
    ("169.254.43518", "169.254.169.254"), ("10.1.65535", "10.1.255.255"),
    ("0xA9FEA9FE", "169.254.169.254"), ("93.184.216.34.", "93.184.216.34"),
])
def test_an_ipv4_address_in_the_resolvers_other_spellings_is_an_address(
    host: str, address: str,
) -> None:
    assert str(literal_address(host)) == address


@pytest.mark.parametrize("host", [
    "crm.example", "08", "1.2.3.256", "4294967296", "1.2.3.4.5", "a.0x1", "0x1g"])
def test_a_name_or_a_number_no_resolver_reads_as_an_address_is_not_one(host: str) -> None:
    assert literal_address(host) is None


def test_changing_event_types_without_day_counts_keeps_the_endpoints() -> None:
    # given an endpoint hearing renewals 3 days and 1 day ahead
    registry = WebhookRegistry.open(P, DAY)
    registry.register(P, DAY, endpoint_id="ep-1", url="https://crm.example/hooks",
                      event_types=[WebhookEventType.RENEWAL_UPCOMING], days_before=[3, 1])
    registry.collect_events()

    # when its event types change without day counts
    changed = registry.change_event_types(
        P, DAY, "ep-1", [WebhookEventType.RENEWAL_UPCOMING, WebhookEventType.CONTRACT_ENDING])

    # then the change records the day counts it had
    assert changed is True
    [event] = [e for e in registry.collect_events() if isinstance(e, WebhookEventTypesChanged)]
    assert event.days_before == [1, 3]
    assert registry.endpoint("ep-1").days_before == [1, 3]


def test_the_failing_event_keeps_a_short_summary_only() -> None:
    registry = given_registry_with()
    registry.mark_failing(P, DAY, "ep-1", delivery_id="d-1", attempts=20,
                          last_error="HTTP 500" + " and then the receiver's words" * 20)
    [event] = [e for e in registry.collect_events() if isinstance(e, WebhookEndpointFailing)]
    assert len(event.last_error) <= MAX_ERROR_SUMMARY
