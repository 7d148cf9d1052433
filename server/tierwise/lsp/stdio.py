"""Stdio transport whose frames are written by the event loop without ever blocking it.

pygls 2's stdio mode (``LanguageServer.start_io``) writes each frame with a blocking ``write`` + ``flush``
on the event loop (``pygls.io_.StdoutWriter``): when the client is slow to read and the pipe (64 KiB) is
full, the whole server waits — every request with it, and a client that writes a lot before reading (its
own pipe full too) deadlocks with the server. Its TCP mode already writes through an asyncio
``StreamWriter``; this does the same for stdio: ``loop.connect_write_pipe`` on the frames' descriptor, so a
write goes to the pipe at once when there is room and is buffered by the transport otherwise (order kept).
Reading stays pygls's (a thread reads stdin). When the descriptor is not a pipe, socket or terminal (a
regular file), pygls's blocking writer is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any, BinaryIO

from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async

log = logging.getLogger(__name__)


async def pipe_writer(stdout: BinaryIO) -> asyncio.StreamWriter | None:
    """An asyncio writer on ``stdout``'s descriptor, or None when it cannot be one (a regular file)."""
    loop = asyncio.get_running_loop()
    try:
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, stdout)
    except (ValueError, OSError) as err:
        log.info("frames written synchronously: %s", err)
        return None
    return asyncio.StreamWriter(transport, protocol, None, loop)


def start_io(server: Any, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """``server.start_io(stdin, stdout)`` with non-blocking frame writes (see the module docstring)."""
    server._stop_event = stop = threading.Event()  # what pygls's shutdown sets to end the read loop
    reader = StdinAsyncReader(stdin, server.thread_pool)

    async def main() -> None:
        writer = await pipe_writer(stdout)
        server.protocol.set_writer(writer if writer is not None else StdoutWriter(stdout))
        try:
            await run_async(stop_event=stop, reader=reader, protocol=server.protocol, logger=log,
                            error_handler=server.report_server_error)
        finally:
            if writer is not None:  # the last answers (shutdown's) leave before the process does
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.drain(), 5)

    try:
        asyncio.run(main())
    except BrokenPipeError:
        log.error("the connection to the client is lost; shutting down")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()
