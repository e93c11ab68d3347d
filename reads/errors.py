"""The read side's errors: one root, ``ReadError``, and one kind for stored data that cannot
be read, ``CorruptRecord``, whatever decoding tripped over (a missing field, a wrong type, an
unknown event type, an event the plan's history does not allow)."""

from __future__ import annotations


class ReadError(Exception):
    """Root of the errors the read side raises about what it read."""


class CorruptRecord(ReadError):
    """A stored event that cannot be read as the event it claims to be.

    ``hash_matches``: whether the row still matches its own hash (False: it was altered after
    it was written; True: it is as written, e.g. by a newer release: ``newer_schema``).
    """

    def __init__(self, position: int, stream_id: str, event_type: str, detail: str, *,
                 hash_matches: bool | None = None, newer_schema: bool = False) -> None:
        super().__init__(
            f"Không đọc được sự kiện tại vị trí {position} (luồng {stream_id}, loại "
            f"{event_type}): {detail}. Dữ liệu đã lưu có thể đã bị sửa ngoài ứng dụng: hãy "
            "chạy `nhansu audit verify` để kiểm tra chuỗi băm.")
        self.position = position
        self.stream_id = stream_id
        self.event_type = event_type
        self.detail = detail
        self.hash_matches = hash_matches
        self.newer_schema = newer_schema
