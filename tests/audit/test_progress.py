"""Exporting and verifying an export report their progress: ``done`` never goes down, a
call comes at least every ~1,000 events, and the last call has done == total."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.export import export
from audit.offline import verify_export
from tests.audit.log import KEYS, build_log
from tests.support.databases import Scratch

pytestmark = pytest.mark.audit


class Calls(list[tuple[int, int | None]]):
    def __call__(self, done: int, total: int | None) -> None:
        self.append((done, total))

    def check(self, total: int) -> None:
        done = [c[0] for c in self]
        assert done == sorted(done), self
        assert self[-1] == (total, total), self[-3:]
        assert max(b - a for a, b in zip([0, *done], done, strict=False)) <= 1000, done


async def test_export_and_offline_verification_report_progress(scratch: Scratch,
                                                               tmp_path: Path) -> None:
    built = await build_log(scratch, tmp_path / "first", events=2400, seal_every=1200)

    exported = Calls()
    summary = await export(scratch.engine, tmp_path / "export", progress=exported)
    assert summary.events == built.events
    exported.check(built.events)
    assert exported[0][1] == built.events  # counted at the start
    assert len(exported) >= 3

    verified = Calls()
    report = verify_export(tmp_path / "export", KEYS, progress=verified)
    assert report.ok, report
    verified.check(built.events)
    assert verified[0][1] == built.events  # from the header

    # With an unreadable header the total is unknown until the end.
    (tmp_path / "export" / "header.json").write_bytes(b"not json\n")
    unknown = Calls()
    assert not verify_export(tmp_path / "export", KEYS, progress=unknown).ok
    unknown.check(built.events)
    assert all(total is None for _, total in unknown[:-1])

    missing = Calls()
    (tmp_path / "export" / "header.json").unlink()
    assert not verify_export(tmp_path / "export", KEYS, progress=missing).ok
    assert missing == [(0, 0)]
