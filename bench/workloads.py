"""How each figure is driven, the same way for every system: writers that each append their own
streams until a deadline, readers that share a list of streams, a single reader paging through
the log, timed single reads. Async systems run as tasks on one event loop; the peer, being
synchronous, runs the same loops in threads."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: float
    cpu_seconds: float = 0.0  # this process's CPU time (all threads) meanwhile

    @property
    def cpu_us_per_event(self) -> float:
        return self.cpu_seconds / self.count * 1e6 if self.count else 0.0

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0


class _Plan:
    """What writer ``n`` appends next: ``batch`` events to its current stream, a new stream
    once it holds ``stream_length`` events (batches of 20 fill one stream per transaction,
    batches of 1 extend the same stream, its head known to the writer, 20 times)."""

    def __init__(self, batch: int, stream_length: int) -> None:
        self.batch, self.length = batch, stream_length
        self.stream, self.version = uuid.uuid4(), 1

    def next(self) -> tuple[uuid.UUID, int, int, bool]:
        """(stream, first version, count, whether the stream is then full)."""
        if self.version > self.length:
            self.stream, self.version = uuid.uuid4(), 1
        count = min(self.batch, self.length - self.version + 1)
        first = self.version
        self.version += count
        return self.stream, first, count, self.version > self.length


class AsyncWriter(Protocol):
    async def append(self, stream: uuid.UUID, first_version: int, count: int) -> int: ...

    def remember_full(self, stream: uuid.UUID) -> None: ...


class SyncWriter(Protocol):
    def append(self, stream: uuid.UUID, first_version: int, count: int) -> int: ...

    def remember_full(self, stream: uuid.UUID) -> None: ...


async def append_async(system: AsyncWriter, *, writers: int, batch: int, seconds: float,
                       stream_length: int = 20) -> Rate:
    deadline = time.perf_counter() + seconds
    started, cpu = time.perf_counter(), time.process_time()

    async def writer() -> int:
        plan, written = _Plan(batch, stream_length), 0
        while time.perf_counter() < deadline:
            stream, first, count, full = plan.next()
            written += await system.append(stream, first, count)
            if full:
                system.remember_full(stream)
        return written

    counts = await asyncio.gather(*(writer() for _ in range(writers)))
    return Rate(sum(counts), time.perf_counter() - started, time.process_time() - cpu)


def append_threads(system: SyncWriter, *, writers: int, batch: int, seconds: float,
                   stream_length: int = 20) -> Rate:
    deadline = time.perf_counter() + seconds
    started, cpu = time.perf_counter(), time.process_time()

    def writer() -> int:
        plan, written = _Plan(batch, stream_length), 0
        while time.perf_counter() < deadline:
            stream, first, count, full = plan.next()
            written += system.append(stream, first, count)
            if full:
                system.remember_full(stream)
        return written

    with ThreadPoolExecutor(writers) as pool:
        counts = list(pool.map(lambda _: writer(), range(writers)))
    return Rate(sum(counts), time.perf_counter() - started, time.process_time() - cpu)


async def replay_async(read: Callable[[uuid.UUID], Awaitable[int]], streams: list[uuid.UUID],
                       *, readers: int) -> Rate:
    """Every stream read fully, ``readers`` at a time; the count is of events read."""
    queue = list(reversed(streams))
    started, cpu = time.perf_counter(), time.process_time()

    async def reader() -> int:
        seen = 0
        while queue:
            seen += await read(queue.pop())
        return seen

    counts = await asyncio.gather(*(reader() for _ in range(readers)))
    return Rate(sum(counts), time.perf_counter() - started, time.process_time() - cpu)


def replay_threads(read: Callable[[uuid.UUID], int], streams: list[uuid.UUID], *,
                   readers: int) -> Rate:
    queue = list(reversed(streams))
    lock = threading.Lock()
    started, cpu = time.perf_counter(), time.process_time()

    def reader() -> int:
        seen = 0
        while True:
            with lock:
                if not queue:
                    return seen
                stream = queue.pop()
            seen += read(stream)

    with ThreadPoolExecutor(readers) as pool:
        counts = list(pool.map(lambda _: reader(), range(readers)))
    return Rate(sum(counts), time.perf_counter() - started, time.process_time() - cpu)


async def timed_async(action: Callable[[], Awaitable[int]]) -> Rate:
    started, cpu = time.perf_counter(), time.process_time()
    count = await action()
    return Rate(count, time.perf_counter() - started, time.process_time() - cpu)


def timed(action: Callable[[], int]) -> Rate:
    started, cpu = time.perf_counter(), time.process_time()
    count = action()
    return Rate(count, time.perf_counter() - started, time.process_time() - cpu)


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float
    reads: int
    events_per_read: float


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _latency(times: list[float], counts: list[int]) -> Latency:
    return Latency(p50_ms=percentile(times, 0.50) * 1000, p99_ms=percentile(times, 0.99) * 1000,
                   reads=len(times), events_per_read=statistics.fmean(counts))


async def latencies_async(read: Callable[[str], Awaitable[int]], streams: list[str]) -> Latency:
    """One read at a time, each timed, after one untimed read of every stream: each system
    is timed with its rows in the OS cache, whatever ran before it."""
    for stream in streams:
        await read(stream)
    times, counts = [], []
    for stream in streams:
        started = time.perf_counter()
        counts.append(await read(stream))
        times.append(time.perf_counter() - started)
    return _latency(times, counts)


def latencies_sync(read: Callable[[str], int], streams: list[str]) -> Latency:
    for stream in streams:
        read(stream)
    times, counts = [], []
    for stream in streams:
        started = time.perf_counter()
        counts.append(read(stream))
        times.append(time.perf_counter() - started)
    return _latency(times, counts)
