"""Progress of long jobs (verify, export, seal, catch-up, rebuild at national scale).

A job takes ``progress: Progress | None``: it is called with ``(done, total)`` at least every
``EVERY`` items and once at the end, where ``done == total`` (the total then is exactly what
was done: an estimate made at the start is corrected). ``total`` is None while unknown.
``done`` never goes down. Totals are counted only when a callback is given.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int | None], None]

EVERY = 1000


class Reporter:
    """Calls a ``Progress`` callback as a job advances; does nothing without one."""

    def __init__(self, progress: Progress | None, total: int | None = None,
                 every: int = EVERY) -> None:
        if every < 1:
            raise ValueError("every must be at least 1")
        self._progress = progress
        self._every = every
        self.total = total
        self.done = 0
        self._reported = 0
        self._finished = False

    @property
    def active(self) -> bool:
        return self._progress is not None

    def advance(self, count: int = 1) -> None:
        self.reach(self.done + count)

    def reach(self, done: int) -> None:
        """``done`` items are done (a smaller number than before is ignored)."""
        if done <= self.done:
            return
        self.done = done
        if self._progress is not None and self.done - self._reported >= self._every:
            self._call()

    def _call(self) -> None:
        assert self._progress is not None
        total = None if self.total is None else max(self.total, self.done)
        self._progress(self.done, total)
        self._reported = self.done

    def finish(self, done: int | None = None) -> None:
        """The last call: ``done`` (default: what was counted) out of as many. Once only."""
        if done is not None:
            self.done = max(self.done, done)
        if self._progress is not None and not self._finished:
            self._finished = True
            self.total = self.done
            self._call()
