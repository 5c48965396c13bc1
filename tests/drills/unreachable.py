"""Database addresses that fail the way a broken network does, without leaving this machine.

Tests may send packets only to 127.0.0.0/8, so the "host that never answers" case cannot
point at a far-away address (even TEST-NET ranges put SYNs on the wire). Instead:

- ``closed_port()``: a port on 127.0.0.1 nobody listens on; the kernel answers a SYN with
  RST, so a connect is refused at once (the database process is gone).
- ``silent_listener()``: a listener on 127.0.0.1 whose accept queue is full and that never
  accepts. Linux drops a SYN for a listener whose accept queue is full (``tcp_conn_request``
  counts it as ``ListenOverflows``) and the client retransmits until its own deadline: to
  the client this is exactly a host whose packets vanish, so libpq's ``connect_timeout``
  is what ends the attempt.
- ``UNRESOLVABLE_HOST``: a name the system resolver refuses without sending a query (a
  space is not allowed in a host name: glibc's ``res_hnok`` and musl both reject it), so a
  lookup fails as for a name that does not exist, but no DNS packet leaves the machine.
  A syntactically valid name such as ``db.invalid`` would be sent to the configured
  nameserver, which is not on this machine.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

LOOPBACK = "127.0.0.1"
UNRESOLVABLE_HOST = "no such host.invalid"

# Linux admits backlog + 1 connections to the queue (listen(0) holds one); a few more tries
# cover kernels that round the backlog up. A probe that completes within this many tries
# means the queue is not bounded as expected, and the caller is told so.
_MAX_FILL = 16
_PROBE_TIMEOUT = 0.3


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: bound once to reserve a free number,
    then closed, so the kernel answers connections to it with RST."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@contextmanager
def silent_listener() -> Iterator[int]:
    """Yield the port of a 127.0.0.1 listener that drops every new SYN until the block ends.

    The listener never accepts; connections opened here fill its accept queue first, and a
    probe that times out proves the queue is full before the port is handed out.
    """
    with ExitStack() as stack:
        listener = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        listener.bind((LOOPBACK, 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(_MAX_FILL):
            filler = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            filler.settimeout(_PROBE_TIMEOUT)
            try:
                filler.connect((LOOPBACK, port))
            except TimeoutError:
                # This SYN was dropped: the queue is full and stays so, since nobody accepts.
                yield port
                return
        raise RuntimeError(
            f"{_MAX_FILL} connections to a listen(0) socket on {LOOPBACK}:{port} all "
            "completed: this kernel does not drop SYNs for a full accept queue, so the "
            "silent-database case cannot be simulated on loopback here"
        )
