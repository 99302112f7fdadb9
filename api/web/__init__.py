"""The web workspace (placeholder until the foundation lands)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)


def install(app: "object") -> None:
    """Mount the workspace (placeholder)."""
