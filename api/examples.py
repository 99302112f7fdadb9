"""Example request bodies for the OpenAPI document, one per command clients send most.

Kept here rather than on the commands (``json_schema_extra``) because an example is
documentation of the HTTP body, which lacks the path's fields; :func:`command_route` adds
the one for its command, if any. ``tests/api/test_client.py`` sends each of them, so an
example that the API would refuse fails a test instead of misleading a reader.
"""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, dict[str, Any]] = {
    "RegisterCustomer": {
        "external_key": "CRM-42", "name": "ООО Пример", "inn": "7707049388",
        "kpp": "770701001", "email": "buh@example.ru", "payment_terms_days": 10,
        "manager": "Анна Петрова", "tags": ["VIP"],
    },
    "StartSubscription": {
        "tariff_code": "start", "start_date": "2026-01-01", "anchor_day": 1, "quantity": 1,
    },
    "RecordPayment": {
        "amount": "1500.00", "currency": "RUB", "received_on": "2026-01-15",
        "reference": "п/п 17 от 15.01.2026",
    },
    "RecordUsage": {
        "subscription_id": "<from StartSubscription's result>", "component": "api",
        "usage_id": "evt-991", "quantity": "1200", "occurred_on": "2026-01-15",
    },
    "RegisterWebhookEndpoint": {
        "url": "https://crm.example.ru/lbx-hooks",
        "event_types": ["invoice.issued", "payment.received", "renewal.upcoming"],
        "days_before": [7, 1], "description": "CRM",
    },
    "RecordCharge": {
        "amount": "5000.00", "description": "Настройка интеграции", "invoice_now": True,
    },
    "ResolveBankPayment": {
        "customer_id": "<the line's customer_id>", "existing_payment_id": "pp-17",
        "reason": "п/п 17 typed in from the scan on 15.01.2026",
    },
}
"""Request bodies by command name; the values are what a real client would send."""
