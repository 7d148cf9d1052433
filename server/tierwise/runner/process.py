"""Run a configured command as an asyncio subprocess, in its own process group, with a capped output buffer.

The command string comes from configuration or from :func:`tierwise.runner.detect.detect_test_command`,
never from a model. It is split with :mod:`shlex` and executed without a shell.

Environment seen by the command: an allow-list (``tierwise.runner.env``, docs/security.md), never the whole
parent environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from tierwise.engine.ports import CommandNotRunnable, CommandResult
from tierwise.runner.env import FIXED_ENV, build_env
from tierwise.runner.guard import restore_changes, take_snapshot

__all__ = ["FIXED_ENV", "SubprocessRunner", "build_env", "split_command"]

DEFAULT_MAX_OUTPUT_BYTES = 2 * 1024 * 1024
DEFAULT_GRACE_S = 3.0
_CHUNK = 64 * 1024
_POLL_S = 0.05


class _CappedBuffer:
    """Keeps the first and the last ``limit // 2`` bytes of a stream and counts what fell in between."""

    def __init__(self, limit: int) -> None:
        self._head_limit = max(limit // 2, 1)
        self._tail_limit = max(limit - self._head_limit, 1)
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        self._tail.append(data)
        self._tail_size += len(data)
        while self._tail_size > self._tail_limit:
            first = self._tail[0]
            excess = self._tail_size - self._tail_limit
            if len(first) <= excess:
                self._tail.popleft()
                self._tail_size -= len(first)
                self.dropped += len(first)
            else:
                self._tail[0] = first[excess:]
                self._tail_size -= excess
                self.dropped += excess

    def text(self) -> str:
        head = bytes(self._head).decode("utf-8", errors="replace")
        tail = b"".join(self._tail).decode("utf-8", errors="replace")
        if self.dropped:
            return f"{head}\n[... {self.dropped} bytes of output omitted ...]\n{tail}"
        return head + tail


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def _exited(proc: asyncio.subprocess.Process, timeout_s: float) -> bool:
    """Wait for the command's own process to exit. ``proc.wait()`` is not used: asyncio also waits there
    for the output pipe to close, which a background grandchild can keep open indefinitely."""
    deadline = time.monotonic() + timeout_s
    delay = 0.01
    while proc.returncode is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(delay, remaining))
        delay = min(delay * 2, _POLL_S)
    return True


def split_command(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as err:
        raise CommandNotRunnable(f"cannot parse command {command!r}: {err}") from err
    if not argv:
        raise CommandNotRunnable("the command is empty; set loop.test_command in tierwise.toml")
    return argv


class SubprocessRunner:
    """``CommandPort`` implementation: asyncio subprocess, own session, capped output, tree kill.

    ``secret_env_names``: the tiers' key variables (never taken from ``env`` extras; warned about when a
    passthrough entry lets them through). ``passthrough``: ``commands.env_passthrough`` (names or patterns
    added to the allow-list of ``tierwise.runner.env``). ``guard``: snapshot the files no command may change
    before each run, put back what the run changed and list it in ``protected_changes``
    (``tierwise.runner.guard``; off only for commands that run no project code, such as doctor's checks)."""

    def __init__(
        self,
        *,
        max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
        grace_s: float = DEFAULT_GRACE_S,
        secret_env_names: Iterable[str] = (),
        passthrough: Iterable[str] = (),
        guard: bool = True,
    ) -> None:
        self.guard = guard
        self.max_output_bytes = max_output_bytes
        self.grace_s = grace_s
        self.secret_env_names = frozenset(secret_env_names)
        self.passthrough = tuple(passthrough)

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        return build_env(extra=extra, secret_names=self.secret_env_names, passthrough=self.passthrough)

    def preflight(self, command: str, *, cwd: Path) -> None:
        """Raise ``CommandNotRunnable`` unless ``command`` parses and its program exists and is executable
        (on the command's own ``PATH``, or relative to ``cwd``) — checked before any paid model call."""
        argv = split_command(command)
        if not Path(cwd).is_dir():
            raise CommandNotRunnable(f"working directory {cwd} does not exist")
        program = argv[0]
        if os.sep in program or "/" in program:
            target = Path(cwd) / program
            if not (target.is_file() and os.access(target, os.X_OK)):
                raise CommandNotRunnable(f"{program!r} (in {command!r}) is not an executable file in {cwd}")
            return
        if shutil.which(program, path=self.environment().get("PATH", "")) is None:
            raise CommandNotRunnable(
                f"{program!r} (in {command!r}) was not found on the PATH the command runs with; install it "
                "or set loop.test_command / loop.lint_command to a command that exists"
            )

    async def run(
        self, command: str, *, cwd: Path, timeout_s: float, env: Mapping[str, str] | None = None
    ) -> CommandResult:
        argv = split_command(command)
        if not Path(cwd).is_dir():
            raise CommandNotRunnable(f"working directory {cwd} does not exist")
        if not self.guard:
            return await self._run(command, argv, cwd=cwd, timeout_s=timeout_s, env=env)
        snapshot = await asyncio.to_thread(take_snapshot, cwd)
        try:
            result = await self._run(command, argv, cwd=cwd, timeout_s=timeout_s, env=env)
        except BaseException:  # cancelled, or the command could not start: still put back what changed
            await asyncio.shield(asyncio.to_thread(restore_changes, snapshot))
            raise
        changes = await asyncio.to_thread(restore_changes, snapshot)
        return replace(result, protected_changes=changes) if changes else result

    async def _run(
        self, command: str, argv: list[str], *, cwd: Path, timeout_s: float, env: Mapping[str, str] | None
    ) -> CommandResult:
        full_env = self.environment(env)
        started = time.monotonic()
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                cwd=str(cwd),
                env=full_env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as err:
            raise CommandNotRunnable(
                f"cannot start {argv[0]!r} for command {command!r}: {err.strerror or err}"
            ) from err
        pgid = proc.pid  # start_new_session: the child leads its own session and group
        buffer = _CappedBuffer(self.max_output_bytes)
        reader = asyncio.create_task(self._pump(proc, buffer))
        timed_out = False
        try:
            if not await _exited(proc, timeout_s):
                timed_out = True
                await self._terminate(proc, pgid)
        except asyncio.CancelledError:
            await self._terminate(proc, pgid)
            raise
        finally:
            # Leftover members of the group (background children) end with the command; this also releases
            # the output pipe they may hold open.
            _signal_group(pgid, signal.SIGKILL)
            if proc.returncode is None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(asyncio.shield(proc.wait()), timeout=self.grace_s)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(reader), timeout=self.grace_s)
            reader.cancel()
        output = buffer.text()
        if timed_out:
            output += f"\n[tierwise: command timed out after {timeout_s:g}s; its process group was killed]\n"
        code = proc.returncode if proc.returncode is not None else -signal.SIGKILL
        return CommandResult(
            command=command,
            exit_code=code,
            output=output,
            duration_s=time.monotonic() - started,
            timed_out=timed_out,
        )

    @staticmethod
    async def _pump(proc: asyncio.subprocess.Process, buffer: _CappedBuffer) -> None:
        assert proc.stdout is not None
        while True:
            chunk = await proc.stdout.read(_CHUNK)
            if not chunk:
                return
            buffer.feed(chunk)

    async def _terminate(self, proc: asyncio.subprocess.Process, pgid: int) -> None:
        """SIGTERM the group, give it ``grace_s`` to exit, then SIGKILL. Safe to call while being cancelled."""
        _signal_group(pgid, signal.SIGTERM)
        try:
            await _exited(proc, self.grace_s)
        except asyncio.CancelledError:
            _signal_group(pgid, signal.SIGKILL)
            raise
        _signal_group(pgid, signal.SIGKILL)
