"""What a verification found, in a few Vietnamese sentences (failures stay in English: they
quote field names and are meant to be searched for). Plain text, for the CLI and for logs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from audit.verifier import Report

# The offline verifier stands alone (no project import): Vietnam's time is written out here.
VIETNAM = timezone(timedelta(hours=7), "ICT")


def _when(created_at: str) -> str:
    """The checkpoint's signed time (ISO, UTC, as signed) in Vietnam's time for a reader."""
    try:
        signed = datetime.fromisoformat(created_at)
    except ValueError:
        return created_at
    if signed.tzinfo is None:
        return created_at
    local = signed.astimezone(VIETNAM)
    return f"{local:%d/%m/%Y %H:%M:%S} (giờ Việt Nam, UTC+07:00)"


def _n(value: float) -> str:
    """Numbers the Vietnamese way (16.549), without the label catalogue: the offline verifier
    depends on nothing else of the project."""
    return f"{round(value):,}".replace(",", ".")


def ledger_lines(report: Report) -> list[str]:
    rate = report.events / report.seconds if report.seconds > 0 else 0.0
    lines = []
    if report.ok and report.sealed == 0:
        lines.append(f"Sổ cái chưa có mục nào; {_n(report.events)} sự kiện của "
                     f"{_n(report.streams)} luồng được tính lại, không có thay đổi.")
    elif report.ok:
        lines.append(f"Sổ cái toàn vẹn: {_n(report.sealed)} mục liên tục từ 1, chuỗi sổ cái khớp; "
                     f"{_n(report.events)} sự kiện của {_n(report.streams)} luồng được tính lại.")
    else:
        lines.append(f"Phát hiện {_n(report.failure_count)} lỗi toàn vẹn (tamper evidence):")
        lines += [f"  • {failure}" for failure in report.failures]
        if report.failure_count > len(report.failures):
            lines.append(f"  … và {report.failure_count - len(report.failures)} lỗi khác.")
    latest = report.latest_checkpoint
    if latest is None:
        lines.append("Chưa có điểm chốt có chữ ký nào: sổ cái chưa được neo (nhansu ledger seal).")
    else:
        verdict = ("chữ ký Ed25519 hợp lệ, khớp với sổ cái" if report.ok
                   else "xem các lỗi ở trên")
        lines.append(f"Điểm chốt có chữ ký: {_n(report.checkpoints)}; mới nhất số "
                     f"{latest.checkpoint_seq} (sổ cái đến mục {_n(latest.ledger_size)}, khóa "
                     f"{latest.key_id}, lúc {_when(latest.created_at)}): {verdict}.")
    if report.uncovered > 0:
        lines.append(f"{_n(report.uncovered)} mục sổ cái sau điểm chốt mới nhất chưa được ký.")
    if report.unsealed > 0:
        lines.append(f"{_n(report.unsealed)} sự kiện chưa vào sổ cái (chỉ chuỗi băm của luồng "
                     "bảo vệ chúng).")
    if report.withheld:
        lines.append(f"Bản xuất đã ẩn thông tin cá nhân: {_n(report.withheld)} giá trị chỉ có "
                     "cam kết băm (salted commitment), vẫn nằm trong chuỗi băm đã kiểm tra.")
    if report.withheld_events:
        lines.append(f"{_n(report.withheld_events)} sự kiện ghi trước khi có cam kết được ẩn toàn "
                     "bộ nội dung: mã băm của chúng chỉ được chứng minh bằng sổ cái và cây Merkle.")
    seconds = f"{report.seconds:.2f}".replace(".", ",")
    lines.append(f"Thời gian kiểm tra: {seconds} giây ({_n(rate)} sự kiện/giây).")
    return lines

