"""A pool of MCP sessions, one per (server, user token), reused across calls.

Each session lives in a task of its own (the SDK's transports are anyio task groups that
must be entered and left by the same task); callers borrow it for a call. The pool keeps
at most `max_per_server` sessions per server, closes the least recently used idle one to
make room, closes sessions idle for longer than `idle_seconds`, and forgets sessions whose
server died, so that the next call starts a fresh one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ols.auth.token import UserToken
from ols.tools.transports import OpenedSession

log = logging.getLogger(__name__)

SessionKey = tuple[str, str]  # (server name, token fingerprint)
Opener = Callable[[str, UserToken], AbstractAsyncContextManager[OpenedSession]]


class SessionClosed(Exception):
    """The session's server went away."""


@dataclass(eq=False)
class PooledSession:
    key: SessionKey
    opened: OpenedSession | None = None
    last_used: float = field(default_factory=time.monotonic)
    in_flight: int = 0
    closed: bool = False
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    @property
    def client(self) -> Any:
        if self.opened is None or self.closed:
            raise SessionClosed(f"the session to {self.key[0]} is closed")
        return self.opened.client

    @property
    def workdir(self) -> Path | None:
        return self.opened.workdir if self.opened else None

    async def start(self, opener: Opener, token: UserToken) -> None:
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._own(opener, token, ready))
        await ready

    async def _own(self, opener: Opener, token: UserToken, ready: asyncio.Future[None]) -> None:
        try:
            async with opener(self.key[0], token) as opened:
                self.opened = opened
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:  # the transport's task group ends the session
            if not ready.done():
                ready.set_exception(exc if isinstance(exc, Exception) else SessionClosed(str(exc)))
            elif not self._stop.is_set():
                log.warning("MCP session to %s ended: %s", self.key[0], type(exc).__name__)
            if not isinstance(exc, Exception):
                raise
        finally:
            self.closed = True

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self._task), 10)


class SessionPool:
    def __init__(self, opener: Opener, *, max_per_server: int, idle_seconds: float) -> None:
        self._opener = opener
        self._max = max_per_server
        self._idle = idle_seconds
        self._sessions: dict[SessionKey, PooledSession] = {}
        self._key_locks: dict[SessionKey, asyncio.Lock] = {}
        self._freed = asyncio.Condition()
        self._reaper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()

    def sessions(self, server: str | None = None) -> list[PooledSession]:
        return [s for k, s in self._sessions.items() if server is None or k[0] == server]

    @contextlib.asynccontextmanager
    async def lease(self, server: str, token: UserToken) -> AsyncIterator[PooledSession]:
        """Borrow the user's session to `server`, opening it if needed."""
        session = await self._acquire(server, token)
        session.in_flight += 1
        try:
            yield session
        finally:
            session.in_flight -= 1
            session.last_used = time.monotonic()
            async with self._freed:
                self._freed.notify_all()

    async def discard(self, session: PooledSession) -> None:
        """Forget a session (its server died or misbehaved) and close what is left of it."""
        if self._sessions.get(session.key) is session:
            del self._sessions[session.key]
        await session.close()
        async with self._freed:
            self._freed.notify_all()

    async def close_all(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(s.close() for s in sessions))

    async def reap_idle(self) -> None:
        now = time.monotonic()
        for session in list(self._sessions.values()):
            if session.closed or (session.in_flight == 0 and now - session.last_used > self._idle):
                await self.discard(session)

    async def _acquire(self, server: str, token: UserToken) -> PooledSession:
        self._ensure_reaper()
        key = (server, token.fingerprint)
        lock = self._key_locks.setdefault(key, asyncio.Lock())
        async with lock:
            session = self._sessions.get(key)
            if session is not None and not session.closed:
                return session
            if session is not None:
                await self.discard(session)
            await self._make_room(server)
            session = PooledSession(key)
            self._sessions[key] = session
            try:
                await session.start(self._opener, token)
            except BaseException:
                self._sessions.pop(key, None)
                raise
            return session

    async def _make_room(self, server: str) -> None:
        """Wait until the server has fewer than `max_per_server` sessions, closing the least
        recently used idle one when it is full."""
        async with self._freed:
            while True:
                current = self.sessions(server)
                if len(current) < self._max:
                    return
                idle = [s for s in current if s.in_flight == 0]
                if idle:
                    victim = min(idle, key=lambda s: s.last_used)
                    del self._sessions[victim.key]
                    closing = asyncio.create_task(victim.close())
                    self._closing.add(closing)
                    closing.add_done_callback(self._closing.discard)
                    return
                await self._freed.wait()

    def _ensure_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap_forever())

    async def _reap_forever(self) -> None:
        interval = max(min(self._idle / 4, 30.0), 0.05)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap_idle()
            except Exception:
                log.exception("closing idle MCP sessions failed")
