"""The two verdicts of a trail, in the words an auditor reads: the hash chain, and the signed
checkpoint that covers its latest event. Apart from audit/trail.py so that a command that only
verifies (``nhansu audit verify --stream``) does not import the trail's readers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.vocabulary import moment

if TYPE_CHECKING:
    from audit.coverage import Coverage
    from eventstore.checkpoints import Checkpoint
    from eventstore.model import VerificationReport


def chain_statement(report: VerificationReport) -> str:
    if report.ok:
        return (f"Chuỗi băm toàn vẹn: {report.events_checked} sự kiện đã được tính lại, "
                "không có thay đổi.")
    b = report.first_broken
    assert b is not None
    return (f"Chuỗi băm bị phá vỡ tại phiên bản {b.stream_version} (vị trí {b.position}): "
            f"{b.reason}.")


def _checkpoint_words(c: Checkpoint) -> str:
    return (f"điểm chốt số {c.checkpoint_seq} (sổ cái đến mục {c.ledger_size}, khóa "
            f"{c.key_id}, lúc {moment(c.created_at)})")


def coverage_statement(coverage: Coverage) -> str:
    c = coverage.checkpoint
    if coverage.status == "covered":
        assert c is not None
        return (f"Sự kiện cuối (sổ cái mục {coverage.ledger_seq}) được {_checkpoint_words(c)} "
                "xác nhận: chữ ký số Ed25519 hợp lệ và chuỗi sổ cái khớp với mã băm đã ký.")
    if coverage.status == "not_sealed":
        return ("Sự kiện cuối chưa được ghi vào sổ cái, nên chưa có điểm chốt có chữ ký nào "
                "xác nhận (chạy: nhansu ledger seal).")
    if coverage.status == "not_checkpointed":
        return (f"Sự kiện cuối đã vào sổ cái (mục {coverage.ledger_seq}) nhưng chưa có điểm "
                "chốt có chữ ký nào bao phủ (chạy: nhansu ledger seal).")
    assert c is not None
    if coverage.status == "untrusted":
        return (f"KHÔNG xác nhận được bằng {_checkpoint_words(c)}: {coverage.problem}.")
    return (f"Điểm chốt KHÔNG khớp — {_checkpoint_words(c)}: {coverage.problem}.")
