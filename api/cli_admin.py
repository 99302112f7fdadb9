"""``lbx keys`` and ``lbx projections``: administering who may call the API and the views.

Keys are issued and revoked through the same commands as over HTTP, so the key ring keeps
the same audit trail; the CLI acts as ``cli:<os user>``. Projection commands drive the
same runner the server's worker uses.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from api.cli_support import add_row, context, err, fail, out, services, table
from commands.dispatch import dispatch
from commands.issue_api_key import IssueApiKey, RevokeApiKey
from ledger.access import KEY_RING_ID, KeyRing, Role
from ledger.errors import NotFound
from projections.runner import TrackingConflict

keys = typer.Typer(no_args_is_help=True, help="Issue, list and revoke API keys.")
projections = typer.Typer(
    no_args_is_help=True, help="Inspect, catch up and rebuild the read models (views)."
)


@keys.command("issue")
def issue_key(
    name: Annotated[str, typer.Argument(help="Who or what the key is for, e.g. 'crm-sync'.")],
    role: Annotated[Role, typer.Argument(help="What the key may do.", case_sensitive=False)],
) -> None:
    """Issue an API key and print its token, once.

    Roles: service (systems that send commands and read status), accountant and auditor
    (read views; auditors also replay and verify), admin (everything, including keys).
    """
    with services() as s:
        outcome = dispatch(IssueApiKey(name=name, role=role), context(), s.runtime)
    key_id = outcome.result["key_id"]
    out().print(Text(f"Issued key {key_id} ({role.value}) for {name}. Token:"))
    typer.echo(outcome.result["token"])
    err().print(
        "[yellow]Copy the token now: LBX keeps only a hash of it and cannot show it again.[/]"
    )


@keys.command("list")
def list_keys() -> None:
    """List every key ever issued, live or revoked (never their secrets)."""
    with services() as s:
        try:
            ring: KeyRing | None = s.ledger.load(KEY_RING_ID, KeyRing)
        except NotFound:
            ring = None
    if ring is None or not ring.state.keys:
        out().print("No API keys have been issued yet: see 'lbx keys issue --help'.")
        return
    grid = table("API keys", "Key id", "Name", "Role", "Issued on", "Revoked")
    for key in ring.state.keys.values():
        add_row(grid, key.key_id, key.name, key.role.value, key.issued_on,
                "yes" if key.revoked else "no")
    out().print(grid)


@keys.command("revoke")
def revoke_key(
    key_id: Annotated[str, typer.Argument(help="The key id shown by 'lbx keys list'.")],
    reason: Annotated[str, typer.Option(help="Why the key is revoked (kept in the audit trail).")],
) -> None:
    """Revoke an API key: it stops authenticating at once, in every process."""
    with services() as s:
        outcome = dispatch(RevokeApiKey(key_id=key_id, reason=reason), context(), s.runtime)
    if outcome.result.get("revoked"):
        out().print(Text(f"Revoked key {key_id}."))
    else:
        out().print(Text(f"Key {key_id} was already revoked; nothing recorded."))


@projections.command("status")
def projection_status() -> None:
    """Show how far each view has read the event log; lag is how far behind it is."""
    with services() as s:
        statuses = s.runner.status()
    grid = table("Projections", "Name", "Position", "Head", "Lag")
    for status in statuses:
        add_row(grid, status.name, status.position, status.head, status.lag)
    out().print(grid)


@projections.command("rebuild")
def rebuild(
    name: Annotated[str, typer.Argument(help="The view to rebuild (see 'projections status').")],
) -> None:
    """Empty one view and replay the whole event log into it, in one transaction.

    Readers keep seeing the old rows until the new ones are complete. Use it after fixing
    a projection's code, or when a view is suspected to disagree with the ledger.
    """
    with services() as s:
        if name not in s.runner.projections:
            names = ", ".join(sorted(s.runner.projections))
            raise fail(f"no projection {name!r}; choose one of: {names}")
        count = s.runner.rebuild(name)
    out().print(Text(f"Rebuilt {name} from {count} events."))


@projections.command("catch-up")
def catch_up() -> None:
    """Apply every event written since the views last read the log (as the worker does)."""
    with services() as s:
        try:
            count = s.runner.catch_up()
        except TrackingConflict:
            raise fail("another runner moved the views meanwhile; run it again") from None
    out().print(Text(f"Applied {count} events; the views are up to date."))
