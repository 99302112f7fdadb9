"""CRM in: amoCRM and Bitrix24 tell LBX that a customer changed, and LBX reads it back.

Design overview. A CRM webhook proves little: amoCRM signs nothing, and Bitrix24's
application token travels in the body. So a webhook is only a hint that a record changed.
LBX checks the secret in the URL (derived from the installation secret, never stored) and,
for Bitrix24, the application token, then reads the record again from the CRM's REST API
with credentials only LBX holds, and records what the CRM says — never what the webhook
body says. ``amocrm`` and ``bitrix24`` each know one CRM's wire format and REST API and turn
a record into a :class:`~commands.sync_crm_customer.SyncCrmCustomer`; ``common`` holds what
they share: the URL secret, the REST client, and recording a delivery exactly once.

The routes live in ``api/routes/integrations.py``; the set-up is in ``docs/crm.md``.
"""
