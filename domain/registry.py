"""The organization registry (danh mục tổ chức đảng): the party's tree of organizations as data
with history.

Each organization has a stream ``organization-{id}`` of registry events, each effective from a
day (``valid_from``): registered, renamed, reparented (the 2025 reorganisation moved communes
from abolished districts directly under provinces), merged into another (it ends, the other
continues), split into several (it ends), dissolved (it ends). ``Registry`` folds them all and
answers for any day: a 2020 plan shows the tree as it stood in 2020.

Rules (``decide``): only an administrator changes the registry; ids are lower-case codes; names
are NFC text without control characters, at most 300 characters; a parent is of a higher level
than its child and active on the day (and not ending later); there are no cycles; an
organization that ends has no children left on that day (a merge takes them to the
organization it merges into; before a split or a dissolution they are moved one by one); a
change takes effect no earlier than the organization's latest recorded change.

Registry events are not plan events (``domain.events.DomainEvent`` carries a plan id): they have
their own base class, ``RegistryEvent``, and type registry, ``REGISTRY_EVENT_TYPES``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar

from domain import upcasting
from domain.access import actor_from_data, is_administrator
from domain.errors import Violations
from domain.people import Actor, Organization
from domain.serialization import to_data

ORGANIZATION_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
MAX_NAME_LENGTH = 300
#: The founding of the Communist Party of Vietnam: no organization is older.
EARLIEST = date(1930, 2, 3)
CORRELATION_ID = "registry"
_CONTROL = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class Level(StrEnum):
    CENTRAL = "central"  # Trung ương
    PROVINCE = "province"  # tỉnh, thành phố trực thuộc Trung ương
    DISTRICT = "district"  # huyện, quận, thị xã (bãi bỏ từ 1/7/2025)
    COMMUNE = "commune"  # xã, phường, đặc khu
    GRASSROOTS = "grassroots"  # cơ sở: tổ chức đảng của cơ quan, doanh nghiệp...

    @property
    def rank(self) -> int:
        """0 for the central level, growing downwards."""
        return _RANKS[self]


_RANKS = {Level.CENTRAL: 0, Level.PROVINCE: 1, Level.DISTRICT: 2, Level.COMMUNE: 3,
          Level.GRASSROOTS: 4}

LEVEL_LABELS_VI: Mapping[Level, str] = {
    Level.CENTRAL: "Trung ương",
    Level.PROVINCE: "tỉnh, thành phố",
    Level.DISTRICT: "huyện",
    Level.COMMUNE: "xã, phường, đặc khu",
    Level.GRASSROOTS: "cơ sở",
}


def _fold_words(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold())
    bare = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(bare.replace("đ", "d").replace("_", " ").split())


_LEVEL_WORDS = {
    **{_fold_words(level.value): level for level in Level},
    "trung uong": Level.CENTRAL,
    "tinh": Level.PROVINCE, "thanh pho": Level.PROVINCE, "tinh, thanh pho": Level.PROVINCE,
    "cap tinh": Level.PROVINCE,
    "huyen": Level.DISTRICT, "quan": Level.DISTRICT, "thi xa": Level.DISTRICT,
    "cap huyen": Level.DISTRICT,
    "xa": Level.COMMUNE, "phuong": Level.COMMUNE, "dac khu": Level.COMMUNE,
    "xa, phuong, dac khu": Level.COMMUNE, "cap xa": Level.COMMUNE,
    "co so": Level.GRASSROOTS, "cap co so": Level.GRASSROOTS,
}


def parse_level(text: str) -> Level | None:
    """A level from its code or a Vietnamese word for it ("tỉnh", "xã", "cơ sở"...)."""
    return _LEVEL_WORDS.get(_fold_words(text))


def name_problem(name: str) -> tuple[str, str] | None:
    """(rule, Vietnamese message) of what is wrong with an organization's name, or None."""
    if not name.strip():
        return "required", "tên tổ chức không được để trống"
    if any(unicodedata.category(ch) in _CONTROL for ch in name):
        return "control_character", ("tên tổ chức có ký tự điều khiển (xuống dòng, tab…); hãy "
                                     "viết trên một dòng")
    if unicodedata.normalize("NFC", name) != name:
        return "nfc", "tên tổ chức phải ở dạng Unicode dựng sẵn (NFC)"
    if name != name.strip():
        return "whitespace", "tên tổ chức không được có khoảng trắng ở đầu hoặc cuối"
    if len(name) > MAX_NAME_LENGTH:
        return "too_long", (f"tên tổ chức dài {len(name)} ký tự, quá giới hạn "
                            f"{MAX_NAME_LENGTH} ký tự")
    return None


def organization_stream(organization_id: str) -> str:
    return f"organization-{organization_id}"


# --- events ---------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RegistryEvent:
    """A change of one organization, in force from ``valid_from``."""

    TYPE: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int] = 1

    organization_id: str
    valid_from: date
    occurred_at: datetime
    actor: Actor
    command_id: str


@dataclass(frozen=True, kw_only=True)
class OrganizationRegistered(RegistryEvent):
    TYPE: ClassVar[str] = "OrganizationRegistered"
    name: str
    level: Level
    parent_id: str | None


@dataclass(frozen=True, kw_only=True)
class OrganizationRenamed(RegistryEvent):
    TYPE: ClassVar[str] = "OrganizationRenamed"
    name: str


@dataclass(frozen=True, kw_only=True)
class OrganizationReparented(RegistryEvent):
    """Chuyển trực thuộc: another direct superior from ``valid_from``."""

    TYPE: ClassVar[str] = "OrganizationReparented"
    parent_id: str


@dataclass(frozen=True, kw_only=True)
class OrganizationMerged(RegistryEvent):
    """Hợp nhất, sáp nhập: it ends; ``into`` continues."""

    TYPE: ClassVar[str] = "OrganizationMerged"
    into: str


@dataclass(frozen=True, kw_only=True)
class OrganizationSplit(RegistryEvent):
    """Chia tách: it ends; the organizations ``into`` continue its work."""

    TYPE: ClassVar[str] = "OrganizationSplit"
    into: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class OrganizationDissolved(RegistryEvent):
    """Giải thể: it ends."""

    TYPE: ClassVar[str] = "OrganizationDissolved"


REGISTRY_EVENT_TYPES: dict[str, type[RegistryEvent]] = {
    cls.TYPE: cls
    for cls in (OrganizationRegistered, OrganizationRenamed, OrganizationReparented,
                OrganizationMerged, OrganizationSplit, OrganizationDissolved)
}


def registry_event_to_data(event: RegistryEvent) -> dict[str, Any]:
    data: dict[str, Any] = to_data(event)
    return data


def registry_event_from_data(event_type: str, schema_version: int,
                             data: dict[str, Any]) -> RegistryEvent:
    """The event stored as ``event_type`` v``schema_version``, upcast to the current shape.

    Decoded field by field rather than by ``serialization.from_data``: folding a registry of
    60,000 organizations spent 2.2 s in the generic decoder and 0.3 s in this one. A document
    whose fields are not exactly the type's is refused (ValueError), as ``from_data`` does."""
    cls = REGISTRY_EVENT_TYPES[event_type]
    _, d = upcasting.UPCASTERS.upcast(event_type, schema_version, data,
                                      current=cls.SCHEMA_VERSION)
    if d.keys() != _FIELDS[cls]:
        raise ValueError(f"{event_type}: fields {sorted(d)} are not {sorted(_FIELDS[cls])}")
    common: dict[str, Any] = {
        "organization_id": _text(d["organization_id"]),
        "valid_from": date.fromisoformat(d["valid_from"]),
        "occurred_at": datetime.fromisoformat(d["occurred_at"]),
        "actor": actor_from_data(d["actor"]), "command_id": _text(d["command_id"])}
    if cls is OrganizationRegistered:
        parent = d["parent_id"]
        return OrganizationRegistered(**common, name=_text(d["name"]), level=Level(d["level"]),
                                      parent_id=None if parent is None else _text(parent))
    if cls is OrganizationRenamed:
        return OrganizationRenamed(**common, name=_text(d["name"]))
    if cls is OrganizationReparented:
        return OrganizationReparented(**common, parent_id=_text(d["parent_id"]))
    if cls is OrganizationMerged:
        return OrganizationMerged(**common, into=_text(d["into"]))
    if cls is OrganizationSplit:
        return OrganizationSplit(**common, into=tuple(_text(i) for i in d["into"]))
    return OrganizationDissolved(**common)


_FIELDS = {cls: {f.name for f in fields(cls)} for cls in REGISTRY_EVENT_TYPES.values()}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected str, got {type(value).__name__}")
    return value


# --- commands -------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class RegistryCommand:
    command_id: str
    actor: Actor
    organization_id: str
    valid_from: date


@dataclass(frozen=True, kw_only=True)
class RegisterOrganization(RegistryCommand):
    name: str
    level: Level
    parent_id: str | None


@dataclass(frozen=True, kw_only=True)
class RenameOrganization(RegistryCommand):
    name: str


@dataclass(frozen=True, kw_only=True)
class ReparentOrganization(RegistryCommand):
    parent_id: str


@dataclass(frozen=True, kw_only=True)
class MergeOrganization(RegistryCommand):
    into: str


@dataclass(frozen=True, kw_only=True)
class SplitOrganization(RegistryCommand):
    into: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DissolveOrganization(RegistryCommand):
    pass


AnyRegistryCommand = (RegisterOrganization | RenameOrganization | ReparentOrganization
                      | MergeOrganization | SplitOrganization | DissolveOrganization)


# --- state ----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class OrgVersion:
    """An organization as it stood from ``valid_from`` to ``valid_to`` (inclusive; None: still
    so). An organization that ended keeps a last version, inactive, with its last name and
    place, ``ended`` ("merged", "split", "dissolved") and ``successors``."""

    organization_id: str
    name: str
    level: Level
    parent_id: str | None
    valid_from: date
    valid_to: date | None
    active: bool
    ended: str | None = None
    successors: tuple[str, ...] = ()

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def to_organization(self) -> Organization:
        return Organization(organization_id=self.organization_id, name=self.name,
                            parent_id=self.parent_id, level=self.level.value)


def _versions(changes: Sequence[RegistryEvent]) -> tuple[OrgVersion, ...]:
    """The versions an organization's changes make, the changes in effective order."""
    first = changes[0]
    if not isinstance(first, OrganizationRegistered):
        return ()
    out: list[OrgVersion] = []
    current = OrgVersion(organization_id=first.organization_id, name=first.name,
                         level=first.level, parent_id=first.parent_id,
                         valid_from=first.valid_from, valid_to=None, active=True)
    for change in changes[1:]:
        if isinstance(change, OrganizationRenamed):
            following = replace(current, name=change.name)
        elif isinstance(change, OrganizationReparented):
            following = replace(current, parent_id=change.parent_id)
        elif isinstance(change, OrganizationMerged):
            following = replace(current, active=False, ended="merged",
                                successors=(change.into,))
        elif isinstance(change, OrganizationSplit):
            following = replace(current, active=False, ended="split", successors=change.into)
        elif isinstance(change, OrganizationDissolved):
            following = replace(current, active=False, ended="dissolved", successors=())
        else:  # a second registration cannot be decided; nothing to apply
            continue
        if change.valid_from == current.valid_from:
            current = following
        else:
            out.append(replace(current, valid_to=change.valid_from - timedelta(days=1)))
            current = replace(following, valid_from=change.valid_from)
    out.append(current)
    return tuple(out)


@dataclass(frozen=True)
class _Timeline:
    changes: tuple[RegistryEvent, ...]
    versions: tuple[OrgVersion, ...]

    def at(self, day: date) -> OrgVersion | None:
        for version in reversed(self.versions):
            if version.valid_from <= day:
                return version
        return None

    @property
    def last(self) -> OrgVersion:
        return self.versions[-1]


@dataclass
class Registry:
    """Every organization's history. ``evolve`` changes it in place and returns it (a fold of
    tens of thousands of organizations must not copy them all for each event); ``copy`` makes
    an independent one, to decide a batch of commands on without touching the original."""

    _timelines: dict[str, _Timeline] = field(default_factory=dict)
    # Everyone who was ever under each organization, for children() and subtree().
    _ever_children: dict[str, set[str]] = field(default_factory=dict)
    processed_commands: set[str] = field(default_factory=set)
    #: Global position of the last stored event folded in (set by the application layer).
    position: int = 0

    def copy(self) -> Registry:
        return Registry(dict(self._timelines),
                        {k: set(v) for k, v in self._ever_children.items()},
                        set(self.processed_commands), self.position)

    def __len__(self) -> int:
        return len(self._timelines)

    def __contains__(self, organization_id: object) -> bool:
        return organization_id in self._timelines

    def organization_ids(self) -> list[str]:
        return sorted(self._timelines)

    # --- one organization --------------------------------------------------------------
    def history(self, organization_id: str) -> tuple[OrgVersion, ...]:
        """Every version, oldest first; () for an unknown organization."""
        timeline = self._timelines.get(organization_id)
        return timeline.versions if timeline else ()

    def version(self, organization_id: str, day: date) -> OrgVersion | None:
        """The organization as it stood on ``day``; None before its registration."""
        timeline = self._timelines.get(organization_id)
        return timeline.at(day) if timeline else None

    def latest(self, organization_id: str) -> OrgVersion | None:
        timeline = self._timelines.get(organization_id)
        return timeline.last if timeline else None

    def is_active(self, organization_id: str, day: date) -> bool:
        version = self.version(organization_id, day)
        return version is not None and version.active

    def ended_on(self, organization_id: str) -> date | None:
        latest = self.latest(organization_id)
        return latest.valid_from if latest is not None and not latest.active else None

    def stream_version(self, organization_id: str) -> int:
        """How many events its stream has: the version the next append expects."""
        timeline = self._timelines.get(organization_id)
        return len(timeline.changes) if timeline else 0

    def last_change(self, organization_id: str) -> date | None:
        timeline = self._timelines.get(organization_id)
        return timeline.changes[-1].valid_from if timeline else None

    # --- the tree on a day --------------------------------------------------------------
    def as_of(self, day: date) -> dict[str, OrgVersion]:
        """Every organization registered by ``day``, as it stood then (ended ones inactive)."""
        found = {}
        for organization_id, timeline in self._timelines.items():
            version = timeline.at(day)
            if version is not None:
                found[organization_id] = version
        return found

    def parent_of(self, organization_id: str, day: date) -> str | None:
        """The direct superior on ``day``. An organization that has ended by then answers
        with the superior it last had, so that its old plans stay within its superiors'
        reach; None for a root, or before its registration."""
        version = self.version(organization_id, day)
        return version.parent_id if version is not None else None

    def ancestors(self, organization_id: str, day: date) -> tuple[str, ...]:
        """The superiors on ``day``, the direct one first, up to the root."""
        found: list[str] = []
        current = self.parent_of(organization_id, day)
        while current is not None and current not in found and current != organization_id:
            found.append(current)
            current = self.parent_of(current, day)
        return tuple(found)

    def children(self, organization_id: str, day: date) -> tuple[str, ...]:
        """The active organizations directly under it on ``day``, by id."""
        found = []
        for child in self._ever_children.get(organization_id, ()):
            version = self.version(child, day)
            if version is not None and version.active and version.parent_id == organization_id:
                found.append(child)
        return tuple(sorted(found))

    def subtree(self, organization_id: str, day: date) -> tuple[str, ...]:
        """The organization and every active organization below it on ``day``, breadth
        first; () if it is not active that day."""
        if not self.is_active(organization_id, day):
            return ()
        found = [organization_id]
        seen = {organization_id}
        index = 0
        while index < len(found):
            for child in self.children(found[index], day):
                if child not in seen:
                    seen.add(child)
                    found.append(child)
            index += 1
        return tuple(found)

    def under_at_or_after(self, organization_id: str, day: date) -> tuple[str, ...]:
        """Organizations that stand directly under it on ``day`` or on any later day
        recorded."""
        found = []
        for child in self._ever_children.get(organization_id, ()):
            for version in self.history(child):
                if (version.active and version.parent_id == organization_id
                        and (version.valid_to is None or version.valid_to >= day)):
                    found.append(child)
                    break
        return tuple(sorted(found))

    def view(self, day: date) -> RegistryDayView:
        """The tree on ``day``, as ``domain.access`` asks it."""
        return RegistryDayView(self, day)

    # --- folding -------------------------------------------------------------------------
    def apply(self, event: RegistryEvent) -> None:
        timeline = self._timelines.get(event.organization_id)
        changes = [*(timeline.changes if timeline else ()), event]
        # Effective order; events of one day keep the order they were recorded in.
        changes.sort(key=lambda e: (not isinstance(e, OrganizationRegistered), e.valid_from))
        versions = _versions(changes)
        self._timelines[event.organization_id] = _Timeline(tuple(changes), versions)
        for version in versions:
            if version.parent_id is not None:
                self._ever_children.setdefault(version.parent_id, set()).add(
                    event.organization_id)
        self.processed_commands.add(event.command_id)


class RegistryDayView:
    """``domain.access.RegistryView`` of a registry on one day."""

    def __init__(self, registry: Registry, day: date) -> None:
        self._registry = registry
        self.day = day

    def parent_of(self, organization_id: str) -> str | None:
        return self._registry.parent_of(organization_id, self.day)

    def ancestors(self, organization_id: str) -> Sequence[str]:
        return self._registry.ancestors(organization_id, self.day)


def evolve(registry: Registry, event: RegistryEvent) -> Registry:
    """Fold one event into ``registry`` (in place; see ``Registry``) and return it."""
    registry.apply(event)
    return registry


def fold(events: Iterable[RegistryEvent], registry: Registry | None = None) -> Registry:
    current = registry if registry is not None else Registry()
    for event in events:
        current.apply(event)
    return current


# --- decisions ------------------------------------------------------------------------------
def _vi_day(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def decide(registry: Registry, command: AnyRegistryCommand, *,
           now: datetime) -> list[RegistryEvent]:
    """The events ``command`` records, or CommandRejected naming every field and rule it
    breaks. A command already decided (same command id) decides nothing again."""
    if command.command_id in registry.processed_commands:
        return []
    v = Violations()
    v.check(is_administrator(command.actor.role), "actor.role", "role_not_permitted",
            "chỉ quản trị hệ thống mới được thay đổi danh mục tổ chức")
    v.check(bool(command.actor.user_id.strip()), "actor.user_id", "required",
            "phải ghi rõ người thực hiện")
    v.check(command.valid_from >= EARLIEST, "valid_from", "before_founding",
            f"ngày hiệu lực {_vi_day(command.valid_from)} trước ngày thành lập Đảng "
            f"({_vi_day(EARLIEST)})")
    common: dict[str, Any] = {
        "organization_id": command.organization_id, "valid_from": command.valid_from,
        "occurred_at": now, "actor": command.actor, "command_id": command.command_id}
    if isinstance(command, RegisterOrganization):
        return _register(registry, command, v, common)
    _existing(registry, command, v)
    if isinstance(command, RenameOrganization):
        _check_name(command.name, v)
        current = registry.version(command.organization_id, command.valid_from)
        v.check(current is None or current.name != command.name, "name", "unchanged",
                f"tổ chức đã mang tên «{command.name}» vào ngày {_vi_day(command.valid_from)}")
        v.raise_if_any()
        return [OrganizationRenamed(**common, name=command.name)]
    if isinstance(command, ReparentOrganization):
        return _reparent(registry, command, v, common)
    if isinstance(command, MergeOrganization):
        return _merge(registry, command, v, common)
    if isinstance(command, SplitOrganization):
        return _split(registry, command, v, common)
    if isinstance(command, DissolveOrganization):
        _no_children(registry, command, v, "hãy chuyển chúng sang tổ chức khác trước khi giải "
                                           "thể")
        v.raise_if_any()
        return [OrganizationDissolved(**common)]
    raise TypeError(f"unknown registry command {type(command).__name__}")


def _check_name(name: str, v: Violations) -> None:
    problem = name_problem(name)
    if problem is not None:
        v.add("name", *problem)


def _register(registry: Registry, c: RegisterOrganization, v: Violations,
              common: dict[str, Any]) -> list[RegistryEvent]:
    if v.check(bool(ORGANIZATION_ID.match(c.organization_id)), "organization_id", "format",
               f"mã tổ chức «{c.organization_id}» không hợp lệ: chỉ gồm chữ thường không dấu, "
               "chữ số và dấu gạch ngang, không bắt đầu hoặc kết thúc bằng gạch ngang, tối đa "
               "64 ký tự (ví dụ org-tinh-lam-dong)"):
        v.check(c.organization_id not in registry, "organization_id", "already_registered",
                f"tổ chức «{c.organization_id}» đã có trong danh mục")
    _check_name(c.name, v)
    if c.level is Level.CENTRAL:
        v.check(c.parent_id is None, "parent_id", "central_has_no_parent",
                "cấp Trung ương không có cấp trên")
    elif v.check(c.parent_id is not None, "parent_id", "required",
                 f"tổ chức cấp {LEVEL_LABELS_VI[c.level]} phải có cấp trên trực tiếp"):
        assert c.parent_id is not None
        _check_parent(registry, c.organization_id, c.level, c.parent_id, c.valid_from, v)
    v.raise_if_any()
    return [OrganizationRegistered(**common, name=c.name, level=c.level, parent_id=c.parent_id)]


def _existing(registry: Registry, c: RegistryCommand, v: Violations) -> None:
    """The organization is registered, has not ended, and the change comes no earlier than
    its latest one."""
    if c.organization_id not in registry:
        v.add("organization_id", "unknown_organization",
              f"không có tổ chức «{c.organization_id}» trong danh mục")
        v.raise_if_any()
    ended = registry.ended_on(c.organization_id)
    if ended is not None:
        v.add("organization_id", "ended",
              f"tổ chức «{c.organization_id}» đã kết thúc hoạt động từ ngày {_vi_day(ended)}")
    last = registry.last_change(c.organization_id)
    if last is not None and c.valid_from < last:
        v.add("valid_from", "before_last_change",
              f"ngày hiệu lực {_vi_day(c.valid_from)} trước thay đổi gần nhất của tổ chức "
              f"(hiệu lực từ {_vi_day(last)}); lịch sử đã ghi không được sửa lùi")
    v.raise_if_any()


def _check_parent(registry: Registry, organization_id: str, level: Level, parent_id: str,
                  day: date, v: Violations) -> None:
    if parent_id == organization_id or (
            organization_id in registry
            and organization_id in (parent_id, *registry.ancestors(parent_id, day))):
        v.add("parent_id", "cycle",
              f"«{parent_id}» đang ở dưới «{organization_id}»: không thể làm cấp trên của nó")
        return
    parent = registry.version(parent_id, day)
    if parent is None and parent_id not in registry:
        v.add("parent_id", "unknown_parent", f"không có tổ chức «{parent_id}» trong danh mục")
        return
    if parent is None or not parent.active:
        v.add("parent_id", "parent_not_active",
              f"tổ chức cấp trên «{parent_id}» không hoạt động vào ngày {_vi_day(day)}")
        return
    ended = registry.ended_on(parent_id)
    if ended is not None:
        v.add("parent_id", "parent_ends",
              f"tổ chức cấp trên «{parent_id}» kết thúc hoạt động từ ngày {_vi_day(ended)}")
    if not parent.level.rank < level.rank:
        v.add("parent_id", "parent_level",
              f"cấp trên phải ở cấp cao hơn cấp {LEVEL_LABELS_VI[level]}; «{parent_id}» là "
              f"cấp {LEVEL_LABELS_VI[parent.level]}")


def _reparent(registry: Registry, c: ReparentOrganization, v: Violations,
              common: dict[str, Any]) -> list[RegistryEvent]:
    current = registry.latest(c.organization_id)
    assert current is not None
    if current.level is Level.CENTRAL:
        v.add("parent_id", "central_has_no_parent", "cấp Trung ương không có cấp trên")
    else:
        on_day = registry.version(c.organization_id, c.valid_from)
        v.check(on_day is None or on_day.parent_id != c.parent_id, "parent_id", "unchanged",
                f"«{c.parent_id}» đã là cấp trên trực tiếp vào ngày {_vi_day(c.valid_from)}")
        _check_parent(registry, c.organization_id, current.level, c.parent_id, c.valid_from, v)
    v.raise_if_any()
    return [OrganizationReparented(**common, parent_id=c.parent_id)]


def _successor(registry: Registry, c: RegistryCommand, successor: str, field_name: str,
               v: Violations) -> None:
    if successor == c.organization_id:
        v.add(field_name, "into_itself", "một tổ chức không thể hợp nhất hoặc chia tách vào "
                                         "chính nó")
        return
    version = registry.version(successor, c.valid_from)
    if version is None or not version.active or registry.ended_on(successor) is not None:
        known = successor in registry
        v.add(field_name, "into_not_active" if known else "unknown_organization",
              f"tổ chức «{successor}» không hoạt động vào ngày {_vi_day(c.valid_from)} và sau đó"
              if known else f"không có tổ chức «{successor}» trong danh mục")
        return
    own = registry.latest(c.organization_id)
    assert own is not None
    v.check(version.level is own.level, field_name, "into_level",
            f"«{successor}» là cấp {LEVEL_LABELS_VI[version.level]}, khác cấp "
            f"{LEVEL_LABELS_VI[own.level]} của «{c.organization_id}»")


def _merge(registry: Registry, c: MergeOrganization, v: Violations,
           common: dict[str, Any]) -> list[RegistryEvent]:
    _successor(registry, c, c.into, "into", v)
    later = [child for child in registry.under_at_or_after(c.organization_id, c.valid_from)
             if registry.parent_of(child, c.valid_from) != c.organization_id
             or not registry.is_active(child, c.valid_from)]
    v.check(not later, "organization_id", "has_later_children",
            f"các tổ chức {', '.join(later)} được ghi trực thuộc «{c.organization_id}» sau ngày "
            f"{_vi_day(c.valid_from)}: hãy chuyển chúng trước")
    v.raise_if_any()
    # The organizations under it on the day continue under the one it merges into.
    moved: list[RegistryEvent] = [
        OrganizationReparented(**{**common, "organization_id": child}, parent_id=c.into)
        for child in registry.children(c.organization_id, c.valid_from)]
    return [OrganizationMerged(**common, into=c.into), *moved]


def _split(registry: Registry, c: SplitOrganization, v: Violations,
           common: dict[str, Any]) -> list[RegistryEvent]:
    if v.check(len(c.into) >= 2, "into", "at_least_two",
               "chia tách phải thành ít nhất hai tổ chức"):
        v.check(len(set(c.into)) == len(c.into), "into", "duplicate",
                "một tổ chức được kể hai lần")
    for index, successor in enumerate(c.into):
        _successor(registry, c, successor, f"into[{index}]", v)
    _no_children(registry, c, v, "hãy chuyển chúng sang các tổ chức mới trước khi chia tách")
    v.raise_if_any()
    return [OrganizationSplit(**common, into=tuple(c.into))]


def _no_children(registry: Registry, c: RegistryCommand, v: Violations, hint: str) -> None:
    under = registry.under_at_or_after(c.organization_id, c.valid_from)
    shown = ", ".join(under[:10]) + (f" và {len(under) - 10} tổ chức khác"
                                     if len(under) > 10 else "")
    v.check(not under, "organization_id", "has_children",
            f"còn {len(under)} tổ chức trực thuộc «{c.organization_id}» từ ngày "
            f"{_vi_day(c.valid_from)} ({shown}); {hint}")
