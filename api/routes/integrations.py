"""Placeholder router (filled in by the integrations work)."""

from fastapi import APIRouter

router = APIRouter()

inbound = APIRouter()
"""CRM webhooks: no API key (each CRM proves itself in its own way)."""
