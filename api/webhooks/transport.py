"""The worker's HTTP transport: public addresses only, and one deadline for a whole send.

Why at the socket: a URL's host is resolved when the worker connects, so a check made
earlier (at registration, or a separate look-up before sending) can be fooled by DNS
rebinding: a name that answered a public address once and ``169.254.169.254`` the next
time. Here the addresses are resolved once, every one is checked, and the connection goes
to a checked address (TLS still verifies the certificate against the URL's host name).

Why a deadline: httpx's timeouts bound each phase (connect, each read, each write), so a
receiver trickling its answer a byte at a time could hold a send far longer than the
worker's lease. Every read and write on the connection is bounded by what is left of one
overall deadline, set when the connection is made; connections are not kept alive, so
each send has a connection and a deadline of its own.
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpcore
import httpx

from ledger.errors import InvalidField
from ledger.webhooks import is_public, literal_address

if TYPE_CHECKING:
    import ssl
    from collections.abc import Callable, Iterable

def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``socket.getaddrinfo``)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


class Refused(httpcore.ConnectError):
    """Raised when a host resolves to an address LBX does not send to."""


class DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes all end by one deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: float) -> None:
        self._inner, self._deadline = inner, deadline

    def _left(self, timeout: float | None) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            msg = "the send took longer than its deadline"
            raise httpcore.ReadTimeout(msg)
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read, by the deadline."""
        return self._inner.read(max_bytes, self._left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write, by the deadline."""
        self._inner.write(buffer, self._left(timeout))

    def close(self) -> None:
        """Close the connection."""
        self._inner.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        """Start TLS, by the deadline (the certificate is checked for ``server_hostname``)."""
        tls = self._inner.start_tls(ssl_context, server_hostname, self._left(timeout))
        return DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        """What httpcore asks of the socket."""
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.SyncBackend):
    """Connects only to checked addresses, and gives each connection a deadline."""

    def __init__(self, *, allow_private: bool, deadline: float,
                 resolver: Callable[[str, int], list[str]] = resolve) -> None:
        self.allow_private, self.deadline, self.resolver = allow_private, deadline, resolver

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Resolve ``host``, refuse it unless every address is public, connect to one."""
        deadline = time.monotonic() + self.deadline
        try:
            addresses = self.resolver(host, port)
        except OSError as unresolved:
            raise httpcore.ConnectError(f"{host}: {unresolved}") from None
        for address in addresses:
            parsed = literal_address(address)
            if not self.allow_private and (parsed is None or not is_public(parsed)):
                msg = f"{host} resolves to {address}, which is not a public address"
                raise Refused(msg)
        failure: Exception = httpcore.ConnectError(f"{host} resolves to no address")
        for address in addresses:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                stream = super().connect_tcp(
                    address.split("%", 1)[0], port, left if timeout is None else min(timeout, left),
                    local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
                continue
            return DeadlineStream(stream, deadline)
        raise failure


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a :class:`GuardedBackend`, without keep-alive."""

    def __init__(self, *, allow_private: bool, deadline: float,
                 resolver: Callable[[str, int], list[str]] = resolve) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=10, max_keepalive_connections=0,
            network_backend=GuardedBackend(allow_private=allow_private, deadline=deadline,
                                           resolver=resolver))


def guarded_client(*, allow_private: bool, timeout: float,
                   resolver: Callable[[str, int], list[str]] = resolve) -> httpx.Client:
    """The worker's HTTP client: ``timeout`` bounds a whole send, redirects are not followed."""
    transport = GuardedTransport(allow_private=allow_private, deadline=timeout, resolver=resolver)
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False,
                        trust_env=False)


def check_public_url(url: str, *, allow_private: bool) -> None:
    """Refuse a URL whose host is a non-public IP address or ``localhost`` (unless allowed).

    A host name is checked again, resolved, at every send (DNS can change its answer).

    Raises:
        InvalidField: the host is not public (names the field ``url``).
    """
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    address = literal_address(host)
    local = host == "localhost" or host.endswith(".localhost")
    if allow_private or not (local or (address is not None and not is_public(address))):
        return
    raise InvalidField(field="url", why="must be a public address: loopback, private,"
                       " link-local and reserved addresses are refused"
                       " (LBX_WEBHOOK_ALLOW_PRIVATE=1 allows them)")
