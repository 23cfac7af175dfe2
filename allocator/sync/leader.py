"""One leader at a time: the instance that publishes plans and syncs Zoom.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held on a dedicated connection; the
server releases it when that connection ends, so a crashed leader frees it at once. SQLite: an exclusive
`flock` on a file beside the database (the kernel releases it when the process dies); an in-memory
database uses a process-local lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from allocator.store.db import sqlite_path

_memory_locks: dict[str, threading.Lock] = {}
_memory_guard = threading.Lock()


class LeaderLockHeld(RuntimeError):
    """Another instance is the leader."""


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name`."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class LeaderLock:
    """`with LeaderLock(engine):` or `acquire()`/`release()`. Not re-entrant."""

    def __init__(self, engine: Engine, name: str = "vicon-leader") -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._conn: sa.Connection | None = None
        self._file: IO[Any] | None = None
        self._mem: threading.Lock | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._file is not None or self._mem is not None

    def acquire(self, *, wait_s: float = 0.0, poll_s: float = 0.2) -> bool:
        """Try to become the leader, waiting up to `wait_s` seconds. True if this instance now leads."""
        if self.held:
            return True
        deadline = time.monotonic() + wait_s
        while True:
            if self._try():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll_s)

    def _try(self) -> bool:
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            conn = self.engine.connect()
            try:
                # One leader per database and schema (several installations may share a server).
                where = conn.execute(sa.text("SELECT current_database() || '.' || current_schema()")).scalar()
                self.key = lock_key(f"{self.name}@{where}")
                got = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
                conn.commit()
            except Exception:
                conn.close()
                raise
            if got:
                self._conn = conn
            else:
                conn.close()
            return got
        if dialect == "sqlite":
            path = sqlite_path(self.engine)
            if path is None:
                with _memory_guard:
                    lock = _memory_locks.setdefault(f"{id(self.engine)}:{self.name}", threading.Lock())
                if lock.acquire(blocking=False):
                    self._mem = lock
                    return True
                return False
            import fcntl

            lock_path = Path(str(path) + f".{self.name}.lock")
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            f = open(lock_path, "a+")  # noqa: SIM115 - held open while leading
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                return False
            self._file = f
            return True
        raise NotImplementedError(f"no leader lock for {dialect}")

    def still_held(self) -> bool:
        """False if the lock was lost (on PostgreSQL: the lock's connection broke)."""
        if self._conn is not None:
            try:
                q = sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                    "AND granted AND ((classid::bigint << 32) | objid::bigint) = :k"
                )
                n = self._conn.execute(q, {"k": self.key}).scalar()
                self._conn.commit()
                return bool(n)
            except sa.exc.SQLAlchemyError:  # a broken connection, or one left invalid by a break before
                return False
        return self.held

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                conn.commit()
            except sa.exc.SQLAlchemyError:
                # The connection is gone (its backend terminated, the network cut), and the lock with it. Once
                # broken it refuses every statement until rolled back (PendingRollbackError, which is not a
                # DBAPIError): before, that escaped here and failed every step that asked who leads.
                pass
            finally:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    conn.close()
        if self._file is not None:
            f, self._file = self._file, None
            f.close()  # closing the descriptor drops the flock
        if self._mem is not None:
            lock, self._mem = self._mem, None
            lock.release()

    def __enter__(self) -> LeaderLock:
        if not self.acquire():
            raise LeaderLockHeld(f"another instance holds the leader lock {self.name!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
