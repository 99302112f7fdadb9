"""Placeholder router (filled in by the accounting work)."""

from fastapi import APIRouter

router = APIRouter()
