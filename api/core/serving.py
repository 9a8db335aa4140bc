"""Serving one listening socket from several gateway processes, evenly.

In the production profile supervisord holds the gateway's listening socket and each
gateway worker serves it (docs/deployment.md). Every worker's event loop is woken by
a new connection, and the first to run accepts every connection waiting, as uvloop
(libuv) and asyncio both do. When citizens' connections come in a burst and stay
open (keep-alive, a proxy's upstream pool, Telegram's webhook connections), one
worker ends up with most of them and answers them at its own pace while the other
idles: under load the slowest turns wait on the busier worker.

:class:`BalancedServer` accepts one connection at a time and then pauses briefly, so
a sibling process waiting on the same socket takes the next one; a worker busy with
turns comes back to accepting later, so the idler worker takes more. This is what
libuv's former ``UV_TCP_SINGLE_ACCEPT`` did for Node's cluster, and what nginx's
``accept_mutex`` is for.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import socket
from collections.abc import Callable

import uvicorn

logger = logging.getLogger(__name__)

# Long enough for a sibling process, woken by the same connection, to take the next
# one; short next to a turn.
PAUSE_SECONDS = 0.001
# Out of file descriptors: wait for connections to close rather than spin.
FULL_PAUSE_SECONDS = 0.1
_OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


def inherited_socket(fd: int) -> socket.socket:
    """The listening socket at ``fd`` (a supervisor's), with its own family.

    uvicorn's ``fd=`` takes every inherited socket for a Unix one, so the event loop
    leaves Nagle's algorithm on for the TCP connections it accepts, and a reply
    written in two parts waits for the client's delayed ACK. A socket built from the
    descriptor alone reads its family, type and protocol from the kernel."""
    return socket.socket(fileno=os.dup(fd))


class BalancedServer(uvicorn.Server):
    """uvicorn's server, accepting the connections of a shared socket one at a time."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._accepting: list[asyncio.Task[None]] = []
        self._listeners: list[socket.socket] = []

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Starts uvicorn, then takes the accepting of ``sockets`` over from the
        event loop (connections it accepted in between are served as usual)."""
        await super().startup(sockets=sockets)
        if not self.started or not sockets:
            return
        # Our own descriptors: the event loop's servers close theirs.
        self._listeners = [inherited_socket(sock.fileno()) for sock in sockets]
        for server in self.servers:
            server.close()
        config, state, app_state = self.config, self.server_state, self.lifespan.state

        def protocol() -> asyncio.Protocol:
            # As uvicorn's own startup builds it.
            return config.http_protocol_class(  # type: ignore[call-arg]
                config=config, server_state=state, app_state=app_state
            )

        self._accepting = [
            asyncio.create_task(self._accept(listener, protocol))
            for listener in self._listeners
        ]

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """Stops accepting first, then uvicorn's own shutdown (open connections
        finish their requests)."""
        for task in self._accepting:
            task.cancel()
        await asyncio.gather(*self._accepting, return_exceptions=True)
        for listener in self._listeners:
            listener.close()
        await super().shutdown(sockets=sockets)

    async def _accept(
        self, listener: socket.socket, protocol: Callable[[], asyncio.Protocol]
    ) -> None:
        loop = asyncio.get_running_loop()
        listener.setblocking(False)
        tcp = listener.family in (socket.AF_INET, socket.AF_INET6)
        while True:
            try:
                conn, _ = await loop.sock_accept(listener)
            except OSError as exc:
                if exc.errno in _OUT_OF_DESCRIPTORS:
                    logger.warning("cannot accept a connection: %s", exc)
                    await asyncio.sleep(FULL_PAUSE_SECONDS)
                # A connection reset before it was accepted: nothing to serve.
                continue
            try:
                if tcp:
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                await loop.connect_accepted_socket(protocol, conn)
            except OSError as exc:
                logger.info("connection closed before it was served: %s", exc)
                conn.close()
            await asyncio.sleep(PAUSE_SECONDS)
