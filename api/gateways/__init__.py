"""Payment gateway notifications: CloudPayments, T-Bank and YooKassa tell LBX about payments.

Design overview. Each gateway module (``cloudpayments``, ``tbank``, ``yookassa``) knows one
provider's wire format: how to prove a notification is authentic, which notifications mean
money arrived, and how to read the payment out of the body. It turns a notification into
a :class:`~api.gateways.common.GatewayPayment` and nothing more. ``common`` then records
that payment through the ordinary ``RecordPayment`` command, with source ``gateway`` and
an idempotency key derived from the provider's own payment id, so that the retries every
provider makes are answered with the original outcome and never write twice.

Nothing here is configured at import: secrets are read from the environment on each
request (:class:`~api.gateways.common.GatewaySettings`), and a gateway without them
answers 503. The HTTP routes live in ``api/routes/gateways.py``.
"""
