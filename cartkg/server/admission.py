"""Who may run a query now: a bound per client and overall, so that slow queries cannot starve.

Each server process has `workers` query workers. A client (an address, see `client_address`)
may run `per_client` queries at once; its further queries wait in line, at most `client_queue`
of them. At most `queue` queries wait overall. A query beyond either bound is refused at once
(503 with Retry-After) instead of holding an HTTP thread for the time limit: a client that
sends many slow queries gets its share of the workers, and the others keep theirs.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from .jobs import QueryError

#: Seconds a refused client is asked to wait (Retry-After): a busy worker frees in about that.
RETRY_AFTER = 1

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Busy(QueryError):
    """503 with Retry-After: the query was not run because the server is busy."""

    def __init__(self, message: str) -> None:
        super().__init__(503, message, retry_after=RETRY_AFTER)


@dataclass
class _Client:
    admitted: int = 0  # running or waiting
    running: int = 0


class Admission:
    def __init__(self, workers: int, per_client: int, queue: int, client_queue: int) -> None:
        self.workers = workers
        self.per_client = per_client
        self.queue = queue
        self.client_queue = client_queue
        self._admitted = 0
        self._clients: dict[str, _Client] = {}
        self._cond = threading.Condition()

    @contextmanager
    def enter(self, client: str, deadline: float) -> Iterator[None]:
        """Hold one of the client's running places until the block ends; Busy at once when the
        line is full, or at `deadline` (time.monotonic) when no place came free."""
        with self._cond:
            mine = self._clients.setdefault(client, _Client())
            if self._admitted >= self.workers + self.queue:
                raise Busy(f"all {self.workers} query workers are busy and the line is full")
            if mine.admitted >= self.per_client + self.client_queue:
                raise Busy(
                    f"too many queries from {client} at once: {self.per_client} may run and "
                    f"{self.client_queue} wait"
                )
            self._admitted += 1
            mine.admitted += 1
            try:
                if not self._cond.wait_for(
                    lambda: mine.running < self.per_client, deadline - time.monotonic()
                ):
                    raise Busy(f"your other queries kept all {self.per_client} places busy")
                mine.running += 1
            except BaseException:
                self._leave(client, mine)
                raise
        try:
            yield
        finally:
            with self._cond:
                mine.running -= 1
                self._leave(client, mine)

    def _leave(self, client: str, mine: _Client) -> None:
        self._admitted -= 1
        mine.admitted -= 1
        if not mine.admitted:
            del self._clients[client]
        self._cond.notify_all()


def parse_networks(values: Sequence[str]) -> tuple[Network, ...]:
    """Addresses or networks (`10.0.0.1`, `10.0.0.0/8`, `::1`); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {value!r}") from None
    return tuple(networks)


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client of a request: the peer address, unless the peer is a trusted proxy; then the
    last address in X-Forwarded-For that is not a trusted proxy (proxies append the address
    they got the request from, so only the addresses our own proxies added can be believed)."""
    if not trusted or not _in(peer, trusted):
        return peer
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop
    return hops[0] if hops else peer


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
