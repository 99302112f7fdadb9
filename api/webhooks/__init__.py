"""Outbound webhooks: signing, the retry schedule, the delivery worker, the test receiver.

Design overview. The ledger's :class:`ledger.webhooks.WebhookRegistry` says which URLs
hear which event types; the outbox projection (``projections/outbox.py``) turns each
committed event into one envelope and one pending delivery per subscribed endpoint, in
the transaction that moves its tracking position. The daily scheduler adds the
time-based ones (``projections/webhook_schedule.py``). This package sends them:

- :mod:`api.webhooks.signing`: the secret of an endpoint (derived, never stored) and the
  ``LBX-Signature`` over ``timestamp + "." + body``;
- :mod:`api.webhooks.retry`: exponential backoff with jitter, for up to three days;
- :mod:`api.webhooks.worker`: claims due deliveries (safe with several workers), posts
  them, records every attempt, and marks an endpoint failing when a delivery gives up;
- :mod:`api.webhooks.transport`: the worker's HTTP client: public addresses only (checked
  when connecting, so DNS rebinding is caught) and one deadline per send;
- :mod:`api.webhooks.receiver`: the built-in test receiver that checks signatures
  (served only with ``LBX_WEBHOOK_TEST_RECEIVER``);
- :mod:`api.webhooks.demo`: a test endpoint for the demo company.

Delivery is at least once (a crash between sending and recording sends again) and in
order per customer and endpoint; receivers de-duplicate by the envelope's ``id``.
"""
