"""A progress bar on stderr for the jobs that take minutes at national scale (verify, export,
rebuild, catch-up, import, seal): the job calls ``update(done, total)``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cli import output


@contextmanager
def bar(what: str) -> Iterator[Callable[[int, int | None], None]]:
    """``with bar("Kiểm tra chuỗi băm") as update: job(progress=update)``."""
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("đã qua"), TimeElapsedColumn(), TextColumn("còn"),
                        TimeRemainingColumn(), console=output.err, transient=False,
                        disable=not output.err.is_terminal)
    task = progress.add_task(output.clean(what), total=None)

    def update(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    with progress:
        yield update
