"""Stored events to domain events, for every read path: anything that cannot be decoded is a
``CorruptRecord`` naming its position and stream, never a KeyError or TypeError from deep in
the decoder.

When decoding fails, the row's own hash is recomputed (cheap, and only then): a row that no
longer matches it was altered behind the store's back; one that matches is as it was written,
and if its schema version is newer than this code reads, it was written by a newer release
(``newer_schema``: the read model runner waits for an upgrade rather than set it aside)."""

from __future__ import annotations

from domain.events import EVENT_TYPES, DomainEvent, event_from_data, stream_of
from domain.upcasting import UnknownSchemaVersion
from eventstore.model import RecordedEvent
from eventstore.verification import recompute_hash
from reads.errors import CorruptRecord

DETAIL_LIMIT = 300


def decode(recorded: RecordedEvent) -> DomainEvent:
    """The domain event of ``recorded``, upcast to the current shape; CorruptRecord if it
    cannot be read."""
    try:
        return event_from_data(recorded.event_type, recorded.schema_version, recorded.data)
    except Exception as error:  # whatever the decoder tripped over
        raise corrupt(recorded, error) from error


def decode_in_place(recorded: RecordedEvent) -> DomainEvent:
    """``decode``, and the event must belong to the stream that holds it (a nomination's
    event naming another nomination is corrupt): for reads that fold a plan's streams."""
    event = decode(recorded)
    try:
        belongs = stream_of(event)
    except Exception as error:
        raise corrupt(recorded, error) from error
    if belongs != recorded.stream_id:
        raise corrupt(recorded, f"sự kiện thuộc luồng {belongs}, không phải luồng lưu nó")
    return event


def corrupt(recorded: RecordedEvent, error: BaseException | str) -> CorruptRecord:
    """The CorruptRecord for ``recorded``, which could not be read because of ``error``."""
    intact = hash_matches(recorded)
    known = EVENT_TYPES.get(recorded.event_type)
    newer = (isinstance(error, UnknownSchemaVersion) and known is not None
             and isinstance(recorded.schema_version, int)
             and recorded.schema_version > known.SCHEMA_VERSION)
    if isinstance(error, str):
        what = error
    elif known is None and isinstance(error, KeyError):
        what = "loại sự kiện không có trong mô hình nghiệp vụ"
    elif newer:
        what = (f"lược đồ v{recorded.schema_version} mới hơn phiên bản nhansu này (đọc đến "
                f"v{known.SCHEMA_VERSION if known else '?'}): hãy nâng cấp nhansu")
    else:
        what = f"nội dung không hợp lệ ({type(error).__name__}: {error})"
    verdict = {True: "bản ghi khớp mã băm của nó", False: "bản ghi KHÔNG khớp mã băm của nó",
               None: "không tính lại được mã băm"}[intact]
    detail = _shorten(f"{what}; {verdict}")
    return CorruptRecord(recorded.position, recorded.stream_id, recorded.event_type, detail,
                         hash_matches=intact, newer_schema=newer and intact is True)


def hash_matches(recorded: RecordedEvent) -> bool | None:
    """Whether the row matches its own stored hash; None if it cannot even be recomputed."""
    try:
        return recompute_hash(recorded, recorded.previous_hash) == recorded.hash
    except Exception:  # a value the canonical encoding refuses: certainly not as written
        return None


def _shorten(text: str) -> str:
    return text if len(text) <= DETAIL_LIMIT else text[:DETAIL_LIMIT - 1] + "…"
