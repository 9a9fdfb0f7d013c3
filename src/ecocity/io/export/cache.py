"""Exports built once and kept, per key (database, data token, year, scope, language, format),
for every session of a server: a request for a key being built waits for that build; the
least recently used entries go first when the cache is full."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 16
MAX_BYTES = 256 * 1024 * 1024


def _size(value: Any) -> int:
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values())
    return 0


class BuildCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._done: OrderedDict[Hashable, Any] = OrderedDict()
        self._building: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()
        self.builds = 0  # how many times ``make`` ran (tests, logs)

    def get(self, key: Hashable) -> Any | None:
        """The value kept for ``key``, or None (it is not built, or is being built)."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
        return None

    def build(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """The value of ``key``: kept, or made now by ``make`` (once, however many callers
        ask at the same time; a failed build keeps nothing and raises to its caller)."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            lock = self._building.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._done:
                    return self._done[key]
            try:
                value = make()
                self.builds += 1
            finally:
                with self._lock:
                    self._building.pop(key, None)
            with self._lock:
                self._done[key] = value
                self._done.move_to_end(key)
                while len(self._done) > 1 and (len(self._done) > self.max_entries or
                                               sum(_size(v) for v in self._done.values()) > self.max_bytes):
                    self._done.popitem(last=False)
            return value

    def drop(self, key: Hashable) -> None:
        with self._lock:
            self._done.pop(key, None)
