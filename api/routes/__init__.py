"""HTTP routes under /v1: commands (POST), queries (GET), audit (GET, auditors)."""
