"""The organization registry's use cases: changes by an administrator (or the operator), the
CSV import, and the lookups every other use case needs (the superior committee of a plan's
organization, the tree for the access policy).

Writes need no workflow: the events are appended directly, with optimistic concurrency on
every touched stream, under the registry's write lock, together with the lookup rows
(identity/registry_tables.py explains why, with the measurements).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import re
import unicodedata
import uuid
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from application.errors import Conflict, Forbidden, NotFound, Rejected
from application.principal import Principal
from domain.access import Operation, ParentsView, RegistryView, refusal_vi
from domain.errors import CommandRejected, Violation
from domain.people import Actor, Organization, Role
from domain.registry import (
    CORRELATION_ID,
    LEVEL_LABELS_VI,
    AnyRegistryCommand,
    DissolveOrganization,
    Level,
    MergeOrganization,
    OrgVersion,
    RegisterOrganization,
    Registry,
    RegistryEvent,
    RenameOrganization,
    ReparentOrganization,
    SplitOrganization,
    decide,
    fold,
    parse_level,
    registry_event_from_data,
)
from domain.vocabulary import business_day
from eventstore.errors import WrongExpectedVersion
from eventstore.progress import Progress
from eventstore.store import PostgresEventStore
from identity import registry_tables as tables

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine



class Context(Protocol):
    """What these use cases need of ``application.context.Context``."""

    @property
    def store(self) -> PostgresEventStore: ...

    @property
    def engine(self) -> AsyncEngine: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


ORGANIZATION = "tổ chức"
MAX_IMPORT_BYTES = 50 * 1024 * 1024  # ~60,000 organizations take about 5 MB


@dataclass(frozen=True, kw_only=True)
class RegistryChange:
    """What a registry write recorded."""

    command_ids: tuple[str, ...]
    event_types: tuple[str, ...]
    positions: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    rows: int
    registered: int
    renamed: int
    reparented: int
    unchanged: int
    positions: tuple[int, ...]

    @property
    def changed(self) -> bool:
        return bool(self.positions)


# --- the full registry (decisions, whole-tree views) --------------------------------------
_CACHE: weakref.WeakKeyDictionary[PostgresEventStore, Registry] = weakref.WeakKeyDictionary()


async def _fold_from_log(store: PostgresEventStore) -> tuple[Registry, int]:
    recorded = await store.read_correlated(CORRELATION_ID)
    registry = fold(registry_event_from_data(r.event_type, r.schema_version, r.data)
                    for r in recorded)
    registry.position = recorded[-1].position if recorded else 0
    return registry, len(recorded)


async def load_registry(ctx: Context) -> Registry:
    """The whole registry, folded from its events; kept per event store while no registry
    event is added (one indexed query checks). Shared: read it, never fold into it."""
    position, _ = await tables.head(ctx.engine)
    cached = _CACHE.get(ctx.store)
    if cached is not None and cached.position == position:
        return cached
    registry, _ = await _fold_from_log(ctx.store)
    _CACHE[ctx.store] = registry
    return registry


# --- writing ------------------------------------------------------------------------------
def _actor_for(principal: Principal, registry: Registry, targets: Sequence[str | None],
               day: date) -> Actor:
    """Who the change is recorded as: the operator as such, or the administrator grant that
    reaches every organization the change touches. Forbidden otherwise."""
    view = registry.view(day)
    actor: Actor | None = None
    for target in targets:
        acting = principal.acting(Operation.MANAGE_REGISTRY, target, view)
        actor = actor or acting
    if actor is None:
        raise Forbidden(refusal_vi(Operation.MANAGE_REGISTRY, None))
    return actor


def _targets(command: AnyRegistryCommand) -> list[str | None]:
    if isinstance(command, RegisterOrganization):
        return [command.parent_id]  # None: a root, which only the installation-wide may add
    if isinstance(command, ReparentOrganization):
        return [command.organization_id, command.parent_id]
    if isinstance(command, MergeOrganization):
        return [command.organization_id, command.into]
    if isinstance(command, SplitOrganization):
        return [command.organization_id, *command.into]
    return [command.organization_id]


# The actor is chosen when the command is decided (``_actor_for``), on the registry as it is.
_UNDECIDED = Actor(user_id="-", role=Role.SYSTEM, organization_id="-")


@dataclass(frozen=True)
class _Planned:
    command: AnyRegistryCommand
    where: str = ""  # prefix of each violation's field: the file and row it comes from


async def _write(ctx: Context, principal: Principal,
                 plan: Callable[[Registry], list[_Planned]], *,
                 progress: Progress | None = None) -> tuple[Registry, list[Any]]:
    """Under the write lock: the registry as recorded, the commands ``plan`` makes of it,
    each authorized and decided on the registry the ones before it left, then appended with
    the lookup rows in one transaction. Returns the registry before and the stored events.
    Nothing is recorded unless every command is accepted."""
    now = ctx.clock()
    try:
        async with tables.registry_write(ctx.engine) as write:
            cached = _CACHE.get(ctx.store)
            if cached is not None and cached.position == write.position:
                registry = cached
            else:
                registry, count = await _fold_from_log(ctx.store)
                if registry.position != write.position or count != write.events:
                    # Registry events the rows do not include (appended around this module):
                    # the rows are made again from the log before anything else.
                    await write.rewrite_all(registry, registry.position, count)
            draft = registry.copy()
            events: list[RegistryEvent] = []
            problems: list[Violation] = []
            planned_commands = plan(registry)
            total = len(planned_commands) + 1  # every command decided, then the one write
            for done, planned in enumerate(planned_commands, start=1):
                if progress is not None and done % 1000 == 0:
                    progress(done, total)
                actor = _actor_for(principal, draft, _targets(planned.command),
                                   planned.command.valid_from)
                command = replace(planned.command, actor=actor)
                try:
                    decided = decide(draft, command, now=now)
                except CommandRejected as rejected:
                    problems += [Violation(field=f"{planned.where}{v.field}", rule=v.rule,
                                           message=v.message) for v in rejected.violations]
                    continue
                fold(decided, draft)
                events += decided
            if problems:
                raise Rejected(problems)
            expected = {e.organization_id: registry.stream_version(e.organization_id)
                        for e in events}
            recorded = await write.append(events, expected, draft)
            draft.position = write.position
        if progress is not None:
            progress(total, total)
    except WrongExpectedVersion as moved:
        raise Conflict((Violation(
            field="organization_id", rule="concurrent_change",
            message=f"danh mục tổ chức vừa được thay đổi ở nơi khác ({moved}); hãy thử lại"),
        )) from moved
    _CACHE[ctx.store] = draft
    return registry, recorded


async def _apply(ctx: Context, principal: Principal,
                 command: AnyRegistryCommand) -> RegistryChange:
    _, recorded = await _write(ctx, principal, lambda _: [_Planned(command)])
    return RegistryChange(command_ids=(command.command_id,),
                          event_types=tuple(r.event_type for r in recorded),
                          positions=tuple(r.position for r in recorded))


def _new_id(command_id: str | None) -> str:
    return command_id or f"registry-{uuid.uuid4().hex}"


async def register_organization(ctx: Context, principal: Principal, *, organization_id: str,
                                name: str, level: Level | str, parent_id: str | None,
                                valid_from: date,
                                command_id: str | None = None) -> RegistryChange:
    """Add an organization to the registry (an administrator reaching ``parent_id``, or the
    operator; a root needs an installation-wide one)."""
    return await _apply(ctx, principal, RegisterOrganization(
        command_id=_new_id(command_id), actor=_UNDECIDED, organization_id=organization_id,
        valid_from=valid_from, name=clean_text(name), level=_level(level), parent_id=parent_id))


async def rename_organization(ctx: Context, principal: Principal, *, organization_id: str,
                              name: str, valid_from: date,
                              command_id: str | None = None) -> RegistryChange:
    return await _apply(ctx, principal, RenameOrganization(
        command_id=_new_id(command_id), actor=_UNDECIDED, organization_id=organization_id,
        valid_from=valid_from, name=clean_text(name)))


async def reparent_organization(ctx: Context, principal: Principal, *, organization_id: str,
                                parent_id: str, valid_from: date,
                                command_id: str | None = None) -> RegistryChange:
    """Chuyển trực thuộc: the administrator must reach both the organization and its new
    superior."""
    return await _apply(ctx, principal, ReparentOrganization(
        command_id=_new_id(command_id), actor=_UNDECIDED, organization_id=organization_id,
        valid_from=valid_from, parent_id=parent_id))


async def merge_organization(ctx: Context, principal: Principal, *, organization_id: str,
                             into: str, valid_from: date,
                             command_id: str | None = None) -> RegistryChange:
    """Hợp nhất: it ends on ``valid_from``; its children move under ``into`` that day."""
    return await _apply(ctx, principal, MergeOrganization(
        command_id=_new_id(command_id), actor=_UNDECIDED, organization_id=organization_id,
        valid_from=valid_from, into=into))


async def split_organization(ctx: Context, principal: Principal, *, organization_id: str,
                             into: Sequence[str], valid_from: date,
                             command_id: str | None = None) -> RegistryChange:
    return await _apply(ctx, principal, SplitOrganization(
        command_id=_new_id(command_id), actor=_UNDECIDED, organization_id=organization_id,
        valid_from=valid_from, into=tuple(into)))


async def dissolve_organization(ctx: Context, principal: Principal, *, organization_id: str,
                                valid_from: date,
                                command_id: str | None = None) -> RegistryChange:
    return await _apply(ctx, principal, DissolveOrganization(
        command_id=_new_id(command_id), actor=_UNDECIDED, organization_id=organization_id,
        valid_from=valid_from))


def clean_text(text: str) -> str:
    """One spelling of Vietnamese text (NFC), without spaces around it or runs of spaces."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip(" ")


_SPACES = re.compile(r"[^\S\r\n\t\f\v]+")  # runs of spaces (no-break too), not line breaks


def _level(level: Level | str) -> Level:
    if isinstance(level, Level):
        return level
    parsed = parse_level(level)
    if parsed is None:
        raise Rejected((Violation(field="level", rule="unknown_level",
                                  message=_unknown_level(level)),))
    return parsed


def _unknown_level(text: str) -> str:
    names = ", ".join(f"{lvl.value} ({LEVEL_LABELS_VI[lvl]})" for lvl in Level)
    return f"cấp «{text}» không có; các cấp: {names}"


# --- the CSV import -----------------------------------------------------------------------
HEADERS = {"id": ("id", "mã", "ma"), "name": ("name", "tên", "ten"),
           "level": ("level", "cấp", "cap"),
           "parent_id": ("parent_id", "mã cấp trên", "ma cap tren"),
           "valid_from": ("valid_from", "hiệu lực từ", "hieu luc tu")}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class RegistryRow:
    number: int
    organization_id: str
    name: str
    level: Level
    parent_id: str | None
    valid_from: date


def _fold_header(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().replace("_", " ").split())


def _parse_day(text: str) -> date | None:
    match = _DMY.match(text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        return None


def read_registry_csv(data: bytes, filename: str) -> list[RegistryRow]:
    """The rows of a registry file, or Rejected naming every problem (file, row, column)."""
    problems: list[Violation] = []

    def problem(where: str, rule: str, message: str) -> None:
        problems.append(Violation(field=where, rule=rule, message=message))

    if len(data) > MAX_IMPORT_BYTES:
        raise Rejected((Violation(field=filename, rule="file_too_large",
                                  message="tệp lớn hơn giới hạn 50 MB"),))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Rejected((Violation(
            field=filename, rule="utf8",
            message=f"tệp không phải văn bản UTF-8 (byte thứ {error.start + 1}); hãy lưu dưới "
                    "dạng CSV UTF-8"),)) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise Rejected((Violation(field=filename, rule="not_empty",
                                  message="tệp trống: dòng đầu là tiêu đề các cột "
                                          "(Mã, Tên, Cấp, Mã cấp trên, Hiệu lực từ)"),))
    wanted = {_fold_header(alias): code for code, aliases in HEADERS.items()
              for alias in aliases}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        code = wanted.get(_fold_header(title))
        if code is None:
            if title.strip():
                problem(f"{filename}, dòng 1, cột «{title}»", "unknown_column",
                        "cột không dùng; các cột: Mã, Tên, Cấp, Mã cấp trên, Hiệu lực từ "
                        "(hoặc id, name, level, parent_id, valid_from)")
        elif code in columns:
            problem(f"{filename}, dòng 1, cột «{title}»", "duplicate_column",
                    "cột này có hai lần")
        else:
            columns[code] = index
    for code in HEADERS:
        if code not in columns:
            problem(f"{filename}, dòng 1", "missing_column",
                    f"thiếu cột «{HEADERS[code][1].capitalize()}» ({code})")
    if problems:
        raise Rejected(problems)

    rows: list[RegistryRow] = []
    first_row: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(code: str, cells: list[str] = cells) -> str:
            index = columns[code]
            return clean_text(cells[index]) if index < len(cells) else ""

        where = f"{filename}, dòng {number}, "
        organization_id, name = cell("id"), cell("name")
        level_text, parent, day_text = cell("level"), cell("parent_id"), cell("valid_from")
        level = parse_level(level_text)
        if level is None:
            problem(where + "cột «Cấp»", "unknown_level", _unknown_level(level_text))
        day = _parse_day(day_text)
        if day is None:
            problem(where + "cột «Hiệu lực từ»", "date",
                    f"«{day_text}» không phải một ngày (viết 2025-07-01 hoặc 01/07/2025)")
        if organization_id in first_row:
            problem(where + "cột «Mã»", "duplicate",
                    f"mã «{organization_id}» đã có ở dòng {first_row[organization_id]}")
        else:
            first_row[organization_id] = number
        if level is not None and day is not None:
            rows.append(RegistryRow(number, organization_id, name, level, parent or None, day))
    if problems:
        raise Rejected(problems)
    return rows


def _import_plan(rows: list[RegistryRow], filename: str, file_digest: str,
                 counts: dict[str, int]) -> Callable[[Registry], list[_Planned]]:
    def plan(registry: Registry) -> list[_Planned]:
        new: list[tuple[int, int, _Planned]] = []
        changes: list[_Planned] = []
        level_problems: list[Violation] = []
        for row in rows:
            where = f"{filename}, dòng {row.number}, "
            ident = f"import-{file_digest}-{row.number}"
            latest = registry.latest(row.organization_id)
            if latest is None:
                counts["registered"] += 1
                new.append((row.level.rank, row.number, _Planned(RegisterOrganization(
                    command_id=ident, actor=_UNDECIDED, organization_id=row.organization_id,
                    valid_from=row.valid_from, name=row.name, level=row.level,
                    parent_id=row.parent_id), where)))
                continue
            if latest.level is not row.level:
                level_problems.append(Violation(
                    field=where + "cột «Cấp»", rule="level_changed",
                    message=f"«{row.organization_id}» là cấp {LEVEL_LABELS_VI[latest.level]} "
                            f"trong danh mục; cấp của một tổ chức không đổi (hãy lập tổ chức "
                            "mới rồi hợp nhất)"))
                continue
            same = True
            if latest.name != row.name:
                same = False
                counts["renamed"] += 1
                changes.append(_Planned(RenameOrganization(
                    command_id=f"{ident}-name", actor=_UNDECIDED,
                    organization_id=row.organization_id, valid_from=row.valid_from,
                    name=row.name), where))
            if latest.parent_id != row.parent_id and row.parent_id is not None:
                same = False
                counts["reparented"] += 1
                changes.append(_Planned(ReparentOrganization(
                    command_id=f"{ident}-parent", actor=_UNDECIDED,
                    organization_id=row.organization_id, valid_from=row.valid_from,
                    parent_id=row.parent_id), where))
            elif latest.parent_id != row.parent_id:
                level_problems.append(Violation(
                    field=where + "cột «Mã cấp trên»", rule="required",
                    message=f"«{row.organization_id}» có cấp trên «{latest.parent_id}» trong "
                            "danh mục; hãy ghi mã cấp trên"))
                continue
            if same:
                counts["unchanged"] += 1
        if level_problems:
            raise Rejected(level_problems)
        # Superiors before those under them, then renames and moves.
        return [p for _, _, p in sorted(new, key=lambda n: (n[0], n[1]))] + changes

    return plan


async def import_registry(ctx: Context, principal: Principal, path: Path | str, *,
                          progress: Progress | None = None) -> ImportReport:
    """Import a registry file (CSV, UTF-8; ``,`` or ``;``): columns ``id, name, level,
    parent_id, valid_from`` or "Mã", "Tên", "Cấp", "Mã cấp trên", "Hiệu lực từ"; dates ISO or
    dd/mm/yyyy; levels as codes or Vietnamese ("tỉnh", "xã", "cơ sở"...).

    All or nothing: every problem of the file is reported at once and nothing is recorded.
    Idempotent: an organization already as the row says is left alone, so importing the same
    file twice changes nothing; a new row registers an organization, a changed name or parent
    becomes a rename or a move in force from the row's date."""
    source = Path(path)
    try:
        data = await asyncio.to_thread(source.read_bytes)
    except OSError as error:
        raise Rejected((Violation(field=str(source), rule="readable",
                                  message=f"không đọc được tệp: {error.strerror}"),)) from None
    rows = read_registry_csv(data, source.name)
    counts = {"registered": 0, "renamed": 0, "reparented": 0, "unchanged": 0}
    file_digest = hashlib.sha256(data).hexdigest()[:16]

    def plan(registry: Registry) -> list[_Planned]:
        for key in counts:  # a retry of the write plans again from zero
            counts[key] = 0
        return _import_plan(rows, source.name, file_digest, counts)(registry)

    _, recorded = await _write(ctx, principal, plan, progress=progress)
    return ImportReport(rows=len(rows), positions=tuple(r.position for r in recorded),
                        **counts)


# --- lookups ------------------------------------------------------------------------------
def _not_active(organization_id: str, day: date, why: str) -> Rejected:
    return Rejected((Violation(field="organization_id", rule="not_active",
                               message=f"tổ chức «{organization_id}» {why} vào ngày "
                                       f"{day:%d/%m/%Y}"),))


async def organization_on(ctx: Context, organization_id: str, day: date) -> Organization:
    """The organization as the registry has it on ``day`` (name, level, parent). NotFound
    for an unknown one; Rejected (rule ``not_active``) before its registration or after it
    ended."""
    version = await tables.version_on(ctx.engine, organization_id, day)
    if version is None:
        if not await tables.known(ctx.engine, organization_id):
            raise NotFound(ORGANIZATION, organization_id)
        raise _not_active(organization_id, day, "chưa có trong danh mục")
    if not version.active:
        raise _not_active(organization_id, day, "đã kết thúc hoạt động")
    return version.to_organization()


async def superior_of(ctx: Context, organization_id: str, day: date) -> Organization:
    """The directly superior organization (its standing committee approves the plan) of
    ``organization_id`` on ``day``, as the registry has it. NotFound for an unknown
    organization; Rejected when it or its superior is not active that day, or it has no
    superior (the central level)."""
    organization = await organization_on(ctx, organization_id, day)
    if organization.parent_id is None:
        raise Rejected((Violation(field="organization_id", rule="no_superior",
                                  message=f"tổ chức «{organization_id}» là cấp cao nhất, "
                                          "không có cấp trên trực tiếp"),))
    superior = await tables.version_on(ctx.engine, organization.parent_id, day)
    if superior is None or not superior.active:
        raise _not_active(organization.parent_id, day, "(cấp trên) không hoạt động")
    return superior.to_organization()


async def registry_view(ctx: Context, day: date,
                        organization_ids: Iterable[str]) -> RegistryView:
    """The tree on ``day`` around the given organizations (each with all its superiors), for
    ``Principal.acting`` / ``domain.access.may``: one query. Pass every organization the
    check is about: the plan's, and the principal's grants' for a whole-installation check."""
    return ParentsView(await tables.parents_on(ctx.engine, organization_ids, day))


async def tree_as_of(ctx: Context, day: date) -> dict[str, OrgVersion]:
    """Every organization registered by ``day`` as it stood then, ended ones inactive."""
    return await tables.as_of(ctx.engine, day)


async def organization_history(ctx: Context, organization_id: str) -> tuple[OrgVersion, ...]:
    versions = await tables.history(ctx.engine, organization_id)
    if not versions:
        raise NotFound(ORGANIZATION, organization_id)
    return versions


async def children_of(ctx: Context, organization_id: str, day: date) -> tuple[OrgVersion, ...]:
    return await tables.children_on(ctx.engine, organization_id, day)


async def subtree_of(ctx: Context, organization_id: str, day: date) -> tuple[OrgVersion, ...]:
    """The organization and every active one below it on ``day``, level by level."""
    return await tables.subtree_on(ctx.engine, organization_id, day)


async def ancestors_of(ctx: Context, organization_id: str,
                       day: date) -> tuple[OrgVersion, ...]:
    return await tables.ancestors_on(ctx.engine, organization_id, day)


async def rebuild(ctx: Context, principal: Principal) -> int:
    """Make every lookup row again from the registry's events (after a restore, or events
    appended around this module); the operator or an installation-wide administrator. Returns
    the organizations written."""
    async with tables.registry_write(ctx.engine) as write:
        registry, count = await _fold_from_log(ctx.store)
        _actor_for(principal, registry, [None], business_day(ctx.clock()))
        await write.rewrite_all(registry, registry.position, count)
    _CACHE[ctx.store] = registry
    return len(registry)
