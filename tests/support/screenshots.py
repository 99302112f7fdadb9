"""Copy the browser tests' screenshots into docs/img/workspace, small enough for a repository.

``make screenshots`` runs the browser tests (which save full-size PNGs under
``test-artifacts/screenshots``) and then this script, which keeps the pages docs/workspace.md
shows, scaled to 900 px wide and stored as JPEG.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

SOURCE = Path("test-artifacts/screenshots")
TARGET = Path("docs/img/workspace")
WIDTH = 900
MAX_HEIGHT = 1500
PAGES = (
    "overview-dashboard", "overview-customers", "customer-card", "customer-card-as-of",
    "overview-debts", "overview-renewals", "tariffs-catalog", "tariffs-form-with-calculator",
    "payments-register", "payments-import-report", "payments-unmatched-queue", "analytics",
    "audit-trail", "operations-bill-run", "integrations", "integrations-admin",
)


def main() -> int:
    """Convert every page that exists; report the ones that do not."""
    TARGET.mkdir(parents=True, exist_ok=True)
    missing = []
    for name in PAGES:
        source = SOURCE / f"{name}.png"
        if not source.exists():
            missing.append(name)
            continue
        with Image.open(source) as image:
            rgb = image.convert("RGB")
            height = round(rgb.height * WIDTH / rgb.width)
            scaled = rgb.resize((WIDTH, height), Image.Resampling.LANCZOS)
            scaled.crop((0, 0, WIDTH, min(height, MAX_HEIGHT))).save(
                TARGET / f"{name}.jpg", "JPEG", quality=60, optimize=True, progressive=True)
    if missing:
        print("no screenshot for:", ", ".join(missing), file=sys.stderr)  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
