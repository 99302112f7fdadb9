"""A throw-away PostgreSQL cluster for machines that have the binaries but no running server.

initdb refuses to run as root, so when the tests run as root (as CI does) the cluster is
created and started as the ``postgres`` system user through ``runuser``.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


def _bindir() -> Path | None:
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_answers(host: str, port: int) -> bool:
    """True when something accepts TCP connections at host:port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return True
    return False


@dataclass
class ThrowawayCluster:
    """A private cluster in a temporary folder, on a free port, trust auth."""

    bindir: Path
    root: Path
    port: int
    as_user: str | None

    @property
    def url(self) -> str:
        """The admin connection URL."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    @classmethod
    def start(cls) -> ThrowawayCluster | None:
        """Create and start a cluster; None when no PostgreSQL binaries are installed."""
        bindir = _bindir()
        if bindir is None:
            return None
        root = Path(tempfile.mkdtemp(prefix="lbx-pg-"))
        as_user = None
        if os.geteuid() == 0:
            as_user = "postgres"
            entry = pwd.getpwnam(as_user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        cluster = cls(bindir, root, _free_port(), as_user)
        data = str(root / "data")
        cluster._run("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        cluster._run(
            "pg_ctl", "-D", data, "-l", str(root / "log"), "-w", "-o",
            f"-p {cluster.port} -c listen_addresses=127.0.0.1 -k {root} -c fsync=off",
            "start",
        )
        return cluster

    def stop(self) -> None:
        """Stop the cluster and delete its files."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
