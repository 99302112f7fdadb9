"""Every way into LBX: the HTTP API (FastAPI), the ``lbx`` CLI, and the composition root.

``api.bootstrap`` builds the services once; routes and CLI commands translate requests
into commands (``commands/``) and queries (``projections/``), and translate errors into
RFC 9457 problems. No business rule lives here.
"""
