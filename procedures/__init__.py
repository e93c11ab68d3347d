"""Procedure definitions as versioned, published data files (see README.md).

A new directive, or any change to one, is a new file here, not new code and never an edit:
``load("directive-45-2025")`` reads its latest published version, ``load("directive-45-2025@v1")``
that very version. ``published.json`` records the sha256 of every published file's bytes; a
file whose bytes differ from its record, or whose version is not recorded, is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from domain.errors import InvalidDefinition
from domain.procedure import ProcedureDefinition, parse_procedure

DIRECTORY = Path(__file__).resolve().parent
PUBLISHED = "published.json"
DEFAULT_PROCEDURE = "directive-35-2019"

# "<procedure_id>.json" holds version 1, as first published; "<procedure_id>@v<N>.json" each
# later version (N >= 2).
FILE_NAME = re.compile(r"(?P<id>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:@v(?P<version>[1-9]\d*))?\.json")
KEY = re.compile(r"(?P<id>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:@v(?P<version>[1-9]\d*))?")


class ProcedureError(Exception):
    """A procedure definition cannot be used."""


class UnknownProcedure(ProcedureError, LookupError):
    """No such procedure, or no such version of it."""


class ProcedureAltered(ProcedureError):
    """A published version's file no longer has the bytes it was published with."""


class ProcedureUnpublished(ProcedureError):
    """A version whose file is present but was never published (not in published.json)."""


def key_of(procedure_id: str, version: int) -> str:
    return f"{procedure_id}@v{version}"


def file_name(procedure_id: str, version: int) -> str:
    """Where a version lives: v1 in "<id>.json", later ones in "<id>@v<N>.json"."""
    return f"{procedure_id}.json" if version == 1 else f"{procedure_id}@v{version}.json"


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published(directory: Path = DIRECTORY) -> dict[str, str]:
    """key ("directive-35-2019@v1") -> sha256 of the published file's bytes."""
    path = directory / PUBLISHED
    if not path.is_file():
        return {}
    records: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return records


def _versions(directory: Path) -> dict[str, dict[int, Path]]:
    """procedure id -> version -> file, for every definition file in ``directory``."""
    found: dict[str, dict[int, Path]] = {}
    for path in directory.glob("*.json"):
        match = FILE_NAME.fullmatch(path.name)
        if path.name == PUBLISHED or match is None:
            continue
        version = int(match.group("version") or 1)
        if version == 1 and match.group("version"):
            continue  # "<id>@v1.json" is not a name: v1 is "<id>.json"
        found.setdefault(match.group("id"), {})[version] = path
    return found


def available(directory: Path = DIRECTORY) -> list[str]:
    """Every version present as a file, as keys ("directive-35-2019@v1"), in order."""
    return [key_of(pid, version)
            for pid, versions in sorted(_versions(directory).items())
            for version in sorted(versions)]


def load(procedure_id: str = DEFAULT_PROCEDURE, *,
         directory: Path = DIRECTORY) -> ProcedureDefinition:
    """The definition ``procedure_id`` names: "directive-45-2025" (its latest version) or
    "directive-45-2025@v1". Refuses a version that was never published, or whose file was
    changed after it was published."""
    match = KEY.fullmatch(procedure_id) if isinstance(procedure_id, str) else None
    versions = _versions(directory).get(match.group("id"), {}) if match else {}
    if match is None or not versions:
        raise UnknownProcedure(
            f"Không có quy trình «{procedure_id}»; các quy trình hiện có: "
            f"{', '.join(available(directory)) or 'không có'}")
    pid = match.group("id")
    version = int(match.group("version")) if match.group("version") else max(versions)
    if version not in versions:
        raise UnknownProcedure(
            f"Quy trình {pid} không có phiên bản {version}; các phiên bản hiện có: "
            f"{', '.join(key_of(pid, v) for v in sorted(versions))}")
    path, key = versions[version], key_of(pid, version)
    record = published(directory).get(key)
    if record is None:
        raise ProcedureUnpublished(
            f"Quy trình {key} (tệp {path.name}) chưa được công bố: phiên bản này không có "
            f"trong {PUBLISHED}. Chỉ dùng được phiên bản đã công bố")
    actual = digest_of(path)
    if actual != record:
        raise ProcedureAltered(
            f"Quy trình {key} (tệp {path.name}) đã bị sửa sau khi công bố: mã băm sha256 "
            f"hiện là {actual}, khi công bố là {record}. Một phiên bản đã công bố không được "
            f"sửa; mọi thay đổi phải là một phiên bản mới, tệp "
            f"{file_name(pid, max(versions) + 1)}")
    try:
        definition = parse_procedure(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, InvalidDefinition) as exc:
        raise ProcedureError(f"Tệp {path.name} của quy trình {key} không hợp lệ: {exc}") \
            from exc
    if definition.key != key:
        raise ProcedureError(
            f"Tệp {path.name} phải chứa quy trình {key}, nhưng ghi {definition.key}")
    return definition


def publish(key: str, directory: Path = DIRECTORY) -> str:
    """Record the sha256 of version ``key``'s file in published.json and return it. A version
    already published keeps its record: publishing it again with other bytes is refused."""
    match = KEY.fullmatch(key)
    if match is None or match.group("version") is None:
        raise UnknownProcedure(f"«{key}» không phải mã phiên bản (ví dụ directive-45-2025@v2)")
    pid, version = match.group("id"), int(match.group("version"))
    path = _versions(directory).get(pid, {}).get(version)
    if path is None:
        raise UnknownProcedure(f"Không có tệp {file_name(pid, version)}")
    records = published(directory)
    actual = digest_of(path)
    if key in records and records[key] != actual:
        raise ProcedureAltered(
            f"Quy trình {key} đã được công bố với mã băm {records[key]}; không công bố lại "
            f"với nội dung khác, hãy tạo phiên bản mới {file_name(pid, max(version, 1) + 1)}")
    records[key] = actual
    (directory / PUBLISHED).write_text(
        json.dumps(dict(sorted(records.items())), indent=2) + "\n", encoding="utf-8")
    return actual
