"""The organization registry: its rules, and the tree on any day (given commands, when a
command, then events or the rule it breaks)."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from domain.errors import CommandRejected
from domain.people import Actor, Role
from domain.registry import (
    REGISTRY_EVENT_TYPES,
    AnyRegistryCommand,
    DissolveOrganization,
    Level,
    MergeOrganization,
    OrganizationDissolved,
    OrganizationRegistered,
    OrganizationRenamed,
    OrganizationReparented,
    OrganizationSplit,
    OrgVersion,
    RegisterOrganization,
    Registry,
    RegistryEvent,
    RenameOrganization,
    ReparentOrganization,
    SplitOrganization,
    decide,
    fold,
    organization_stream,
    parse_level,
    registry_event_from_data,
    registry_event_to_data,
)
from domain.serialization import from_data

pytestmark = pytest.mark.unit

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
ADMIN = Actor(user_id="quan.tri", role=Role.ADMINISTRATOR, organization_id="org-trung-uong")
D2019 = date(2019, 1, 1)
REFORM = date(2025, 7, 1)  # districts abolished, communes directly under provinces


class Book:
    """A registry built by deciding commands, one after another."""

    def __init__(self) -> None:
        self.registry = Registry()
        self.events: list[RegistryEvent] = []
        self._ids = 0

    def next_id(self) -> str:
        self._ids += 1
        return f"cmd-{self._ids}"

    def do(self, command: AnyRegistryCommand) -> list[RegistryEvent]:
        events = decide(self.registry, command, now=NOW)
        fold(events, self.registry)
        self.events.extend(events)
        return events

    def register(self, organization_id: str, name: str, level: Level, parent: str | None,
                 valid_from: date = D2019) -> list[RegistryEvent]:
        return self.do(self.registering(organization_id, name, level, parent, valid_from))

    def registering(self, organization_id: str, name: str, level: Level, parent: str | None,
                    valid_from: date = D2019, actor: Actor = ADMIN) -> RegisterOrganization:
        return RegisterOrganization(command_id=self.next_id(), actor=actor,
                                    organization_id=organization_id, valid_from=valid_from,
                                    name=name, level=level, parent_id=parent)

    def reparent(self, organization_id: str, parent: str, valid_from: date) -> ReparentOrganization:
        return ReparentOrganization(command_id=self.next_id(), actor=ADMIN,
                                    organization_id=organization_id, valid_from=valid_from,
                                    parent_id=parent)

    def rename(self, organization_id: str, name: str, valid_from: date) -> RenameOrganization:
        return RenameOrganization(command_id=self.next_id(), actor=ADMIN,
                                  organization_id=organization_id, valid_from=valid_from,
                                  name=name)

    def merge(self, organization_id: str, into: str, valid_from: date) -> MergeOrganization:
        return MergeOrganization(command_id=self.next_id(), actor=ADMIN,
                                 organization_id=organization_id, valid_from=valid_from,
                                 into=into)

    def split(self, organization_id: str, into: tuple[str, ...],
              valid_from: date) -> SplitOrganization:
        return SplitOrganization(command_id=self.next_id(), actor=ADMIN,
                                 organization_id=organization_id, valid_from=valid_from,
                                 into=into)

    def dissolve(self, organization_id: str, valid_from: date) -> DissolveOrganization:
        return DissolveOrganization(command_id=self.next_id(), actor=ADMIN,
                                    organization_id=organization_id, valid_from=valid_from)

    def rejected(self, command: AnyRegistryCommand) -> dict[str, str]:
        """field -> rule of every violation; the registry is left as it was."""
        before = self.registry.copy()
        with pytest.raises(CommandRejected) as caught:
            decide(self.registry, command, now=NOW)
        assert self.registry == before
        return {v.field: v.rule for v in caught.value.violations}


def country() -> Book:
    """The centre, a province, an (invented) district of it with a commune, and an (invented)
    second province."""
    book = Book()
    book.register("org-trung-uong", "Ban Chấp hành Trung ương", Level.CENTRAL, None,
                  date(1930, 2, 3))
    book.register("org-tinh-lam-dong", "Đảng bộ tỉnh Lâm Đồng", Level.PROVINCE,
                  "org-trung-uong")
    book.register("org-tinh-dak-nong", "Đảng bộ tỉnh Đắk Nông", Level.PROVINCE,
                  "org-trung-uong")
    book.register("org-huyen-suoi-xanh", "Đảng bộ huyện Suối Xanh", Level.DISTRICT,
                  "org-tinh-lam-dong")
    book.register("org-xa-doi-may", "Đảng bộ xã Đồi Mây", Level.COMMUNE, "org-huyen-suoi-xanh")
    return book


# --- the history the 2025 reorganisation made ------------------------------------------------
def test_a_commune_moves_from_its_abolished_district_to_the_province() -> None:
    book = country()
    book.do(book.reparent("org-xa-doi-may", "org-tinh-lam-dong", REFORM))
    book.do(book.dissolve("org-huyen-suoi-xanh", REFORM))
    registry = book.registry

    history = registry.history("org-xa-doi-may")
    assert [(v.parent_id, v.valid_from, v.valid_to) for v in history] == [
        ("org-huyen-suoi-xanh", D2019, date(2025, 6, 30)),
        ("org-tinh-lam-dong", REFORM, None)]

    in_2020 = registry.as_of(date(2020, 10, 1))
    assert in_2020["org-xa-doi-may"].parent_id == "org-huyen-suoi-xanh"
    assert in_2020["org-huyen-suoi-xanh"].active
    assert registry.ancestors("org-xa-doi-may", date(2020, 10, 1)) == (
        "org-huyen-suoi-xanh", "org-tinh-lam-dong", "org-trung-uong")
    assert registry.subtree("org-tinh-lam-dong", date(2020, 10, 1)) == (
        "org-tinh-lam-dong", "org-huyen-suoi-xanh", "org-xa-doi-may")

    in_2026 = registry.as_of(date(2026, 1, 1))
    assert in_2026["org-xa-doi-may"].parent_id == "org-tinh-lam-dong"
    assert not in_2026["org-huyen-suoi-xanh"].active
    assert in_2026["org-huyen-suoi-xanh"].ended == "dissolved"
    assert registry.ancestors("org-xa-doi-may", date(2026, 1, 1)) == (
        "org-tinh-lam-dong", "org-trung-uong")
    assert registry.children("org-tinh-lam-dong", date(2026, 1, 1)) == ("org-xa-doi-may",)
    assert registry.subtree("org-huyen-suoi-xanh", date(2026, 1, 1)) == ()
    # The last day of the old tree and the first of the new.
    assert registry.parent_of("org-xa-doi-may", date(2025, 6, 30)) == "org-huyen-suoi-xanh"
    assert registry.parent_of("org-xa-doi-may", REFORM) == "org-tinh-lam-dong"


def test_before_its_registration_an_organization_is_not_in_the_tree() -> None:
    book = country()
    book.register("org-xa-moi", "Đảng bộ xã Mới", Level.COMMUNE, "org-tinh-lam-dong", REFORM)

    assert "org-xa-moi" not in book.registry.as_of(date(2025, 6, 30))
    assert book.registry.version("org-xa-moi", date(2025, 6, 30)) is None
    assert book.registry.children("org-tinh-lam-dong", date(2025, 6, 30)) == (
        "org-huyen-suoi-xanh",)
    assert book.registry.children("org-tinh-lam-dong", REFORM) == (
        "org-huyen-suoi-xanh", "org-xa-moi")


def test_two_changes_on_one_day_make_one_version() -> None:
    book = country()
    book.do(book.reparent("org-xa-doi-may", "org-tinh-lam-dong", REFORM))
    book.do(book.rename("org-xa-doi-may", "Đảng bộ xã Đồi Mây mới", REFORM))

    assert [(v.name, v.parent_id) for v in book.registry.history("org-xa-doi-may")] == [
        ("Đảng bộ xã Đồi Mây", "org-huyen-suoi-xanh"),
        ("Đảng bộ xã Đồi Mây mới", "org-tinh-lam-dong")]


def test_a_renamed_organization_keeps_its_old_name_in_the_past() -> None:
    book = country()
    events = book.do(book.rename("org-tinh-lam-dong", "Đảng bộ tỉnh Lâm Đồng (mới)", REFORM))

    assert events == [OrganizationRenamed(
        organization_id="org-tinh-lam-dong", valid_from=REFORM, occurred_at=NOW, actor=ADMIN,
        command_id=events[0].command_id, name="Đảng bộ tỉnh Lâm Đồng (mới)")]
    assert book.registry.version("org-tinh-lam-dong", date(2025, 6, 30)).name == (  # type: ignore[union-attr]
        "Đảng bộ tỉnh Lâm Đồng")
    assert book.registry.version("org-tinh-lam-dong", REFORM).name == (  # type: ignore[union-attr]
        "Đảng bộ tỉnh Lâm Đồng (mới)")


# --- merging, splitting, dissolving ----------------------------------------------------------
def test_a_merge_ends_the_organization_and_its_children_continue_under_the_other() -> None:
    book = country()
    book.register("org-xa-nam-son", "Đảng bộ xã Nam Sơn", Level.COMMUNE, "org-tinh-dak-nong")

    events = book.do(book.merge("org-tinh-dak-nong", "org-tinh-lam-dong", REFORM))

    assert [e.TYPE for e in events] == ["OrganizationMerged", "OrganizationReparented"]
    assert events[1].organization_id == "org-xa-nam-son"
    assert isinstance(events[1], OrganizationReparented)
    assert events[1].parent_id == "org-tinh-lam-dong"
    assert {e.command_id for e in events} == {events[0].command_id}
    ended = book.registry.version("org-tinh-dak-nong", REFORM)
    assert ended is not None and not ended.active
    assert (ended.ended, ended.successors) == ("merged", ("org-tinh-lam-dong",))
    assert book.registry.children("org-tinh-dak-nong", REFORM) == ()
    assert "org-xa-nam-son" in book.registry.children("org-tinh-lam-dong", REFORM)
    assert book.registry.parent_of("org-xa-nam-son", date(2025, 6, 30)) == "org-tinh-dak-nong"


def test_a_merge_goes_into_an_active_organization_of_the_same_level() -> None:
    book = country()

    assert book.rejected(book.merge("org-tinh-dak-nong", "org-huyen-suoi-xanh", REFORM)) == {
        "into": "into_level"}
    assert book.rejected(book.merge("org-tinh-dak-nong", "org-tinh-dak-nong", REFORM)) == {
        "into": "into_itself"}
    assert book.rejected(book.merge("org-tinh-dak-nong", "org-tinh-nowhere", REFORM)) == {
        "into": "unknown_organization"}
    book.do(book.dissolve("org-tinh-dak-nong", REFORM))
    book.register("org-tinh-x", "Đảng bộ tỉnh X", Level.PROVINCE, "org-trung-uong")
    assert book.rejected(book.merge("org-tinh-x", "org-tinh-dak-nong", REFORM)) == {
        "into": "into_not_active"}


def test_a_split_needs_two_successors_of_its_level_and_no_children_left() -> None:
    book = country()
    book.register("org-huyen-a", "Đảng bộ huyện A", Level.DISTRICT, "org-tinh-lam-dong")
    book.register("org-huyen-b", "Đảng bộ huyện B", Level.DISTRICT, "org-tinh-lam-dong")

    assert book.rejected(book.split("org-huyen-suoi-xanh", ("org-huyen-a", "org-huyen-b"),
                                    REFORM)) == {"organization_id": "has_children"}
    assert book.rejected(book.split("org-huyen-a", ("org-huyen-b",), REFORM)) == {
        "into": "at_least_two"}
    assert book.rejected(book.split("org-huyen-a", ("org-huyen-b", "org-huyen-b"),
                                    REFORM)) == {"into": "duplicate"}
    assert book.rejected(book.split("org-huyen-a", ("org-huyen-b", "org-xa-doi-may"),
                                    REFORM)) == {"into[1]": "into_level"}

    book.do(book.reparent("org-xa-doi-may", "org-huyen-a", REFORM))
    events = book.do(book.split("org-huyen-suoi-xanh", ("org-huyen-a", "org-huyen-b"),
                                REFORM))

    assert [type(e) for e in events] == [OrganizationSplit]
    last = book.registry.latest("org-huyen-suoi-xanh")
    assert last is not None
    assert (last.active, last.ended, last.successors) == (
        False, "split", ("org-huyen-a", "org-huyen-b"))


def test_an_organization_with_children_is_not_dissolved() -> None:
    book = country()

    rules = book.rejected(book.dissolve("org-huyen-suoi-xanh", REFORM))

    assert rules == {"organization_id": "has_children"}
    with pytest.raises(CommandRejected, match="org-xa-doi-may"):
        decide(book.registry, book.dissolve("org-huyen-suoi-xanh", REFORM), now=NOW)


def test_a_child_recorded_after_the_day_also_blocks_an_ending() -> None:
    book = country()
    book.register("org-huyen-b", "Đảng bộ huyện B", Level.DISTRICT, "org-tinh-lam-dong")
    book.do(book.reparent("org-xa-doi-may", "org-huyen-b", date(2026, 1, 1)))

    assert book.rejected(book.dissolve("org-huyen-b", REFORM)) == {
        "organization_id": "has_children"}
    assert book.rejected(book.merge("org-huyen-b", "org-huyen-suoi-xanh", REFORM)) == {
        "organization_id": "has_later_children"}


def test_nothing_changes_an_organization_that_has_ended() -> None:
    book = country()
    book.do(book.dissolve("org-tinh-dak-nong", REFORM))

    assert book.rejected(book.rename("org-tinh-dak-nong", "Tên khác", date(2026, 1, 1))) == {
        "organization_id": "ended"}
    assert book.rejected(book.registering("org-xa-b", "Đảng bộ xã B", Level.COMMUNE,
                                          "org-tinh-dak-nong", date(2020, 1, 1))) == {
        "parent_id": "parent_ends"}
    assert book.rejected(book.registering("org-xa-b", "Đảng bộ xã B", Level.COMMUNE,
                                          "org-tinh-dak-nong", date(2026, 1, 1))) == {
        "parent_id": "parent_not_active"}
    # Where it last stood stays known, so its old plans stay within its superiors' reach.
    assert book.registry.parent_of("org-tinh-dak-nong", date(2026, 1, 1)) == "org-trung-uong"
    assert book.registry.ended_on("org-tinh-dak-nong") == REFORM


# --- the rules of a registration -------------------------------------------------------------
def test_only_an_administrator_changes_the_registry() -> None:
    book = country()
    department = Actor(user_id="to.chuc", role=Role.ORGANIZATION_DEPARTMENT,
                       organization_id="org-tinh-lam-dong")

    assert book.rejected(book.registering("org-xa-b", "Đảng bộ xã B", Level.COMMUNE,
                                          "org-tinh-lam-dong", actor=department)) == {
        "actor.role": "role_not_permitted"}


@pytest.mark.parametrize("organization_id", [
    "Org-Upper", "org_underscore", "-org", "org-", "xã-có-dấu", "a" * 65, "", "org lam dong"])
def test_an_organization_id_is_a_lower_case_code(organization_id: str) -> None:
    book = country()

    assert book.rejected(book.registering(organization_id, "Đảng bộ xã B", Level.COMMUNE,
                                          "org-tinh-lam-dong")) == {
        "organization_id": "format"}


@pytest.mark.parametrize("organization_id", ["a", "org-1", "0", "a" * 64, "org-xa-doi-may-2"])
def test_these_organization_ids_are_accepted(organization_id: str) -> None:
    book = country()

    events = book.register(organization_id, "Đảng bộ xã B", Level.COMMUNE, "org-tinh-lam-dong")

    assert [type(e) for e in events] == [OrganizationRegistered]


@pytest.mark.parametrize(("name", "rule"), [
    ("", "required"), ("   ", "required"), ("Đảng bộ\nxã", "control_character"),
    ("Đảng bộ\u200bxã", "control_character"),
    (unicodedata.normalize("NFD", "Đảng bộ xã Đồi Mây"), "nfc"),
    (" Đảng bộ xã", "whitespace"), ("Đ" * 301, "too_long")])
def test_a_name_is_one_line_of_nfc_text_within_300_characters(name: str, rule: str) -> None:
    book = country()

    assert book.rejected(book.registering("org-xa-b", name, Level.COMMUNE,
                                          "org-tinh-lam-dong")) == {"name": rule}
    assert book.rejected(book.rename("org-xa-doi-may", name, REFORM)) == {"name": rule}


def test_a_name_of_300_characters_is_accepted() -> None:
    book = country()

    assert book.register("org-xa-b", "Đ" * 300, Level.COMMUNE, "org-tinh-lam-dong")


def test_an_organization_is_registered_once() -> None:
    book = country()

    assert book.rejected(book.registering("org-xa-doi-may", "Đảng bộ xã Đồi Mây",
                                          Level.COMMUNE, "org-tinh-lam-dong")) == {
        "organization_id": "already_registered"}


def test_a_parent_is_of_a_higher_level() -> None:
    book = country()

    assert book.rejected(book.registering("org-xa-b", "Đảng bộ xã B", Level.COMMUNE,
                                          "org-xa-doi-may")) == {"parent_id": "parent_level"}
    assert book.rejected(book.registering("org-tinh-b", "Đảng bộ tỉnh B", Level.PROVINCE,
                                          "org-tinh-lam-dong")) == {"parent_id": "parent_level"}
    book.register("org-xa-b", "Đảng bộ xã B", Level.COMMUNE, "org-tinh-lam-dong")
    assert book.rejected(book.reparent("org-xa-b", "org-xa-doi-may", REFORM)) == {
        "parent_id": "parent_level"}


def test_a_parent_is_known_and_active_on_the_day() -> None:
    book = country()
    book.register("org-tinh-moi", "Đảng bộ tỉnh Mới", Level.PROVINCE, "org-trung-uong", REFORM)

    assert book.rejected(book.registering("org-xa-b", "Đảng bộ xã B", Level.COMMUNE,
                                          "org-tinh-khong-co")) == {
        "parent_id": "unknown_parent"}
    assert book.rejected(book.registering("org-xa-b", "Đảng bộ xã B", Level.COMMUNE,
                                          "org-tinh-moi", date(2025, 6, 30))) == {
        "parent_id": "parent_not_active"}
    assert book.register("org-xa-b", "Đảng bộ xã B", Level.COMMUNE, "org-tinh-moi", REFORM)


def test_only_the_central_level_has_no_parent() -> None:
    book = country()

    assert book.rejected(book.registering("org-xa-b", "Đảng bộ xã B", Level.COMMUNE,
                                          None)) == {"parent_id": "required"}
    assert book.rejected(book.registering("org-tw-2", "Trung ương 2", Level.CENTRAL,
                                          "org-trung-uong")) == {
        "parent_id": "central_has_no_parent"}
    assert book.rejected(book.reparent("org-trung-uong", "org-tinh-lam-dong", REFORM)) == {
        "parent_id": "central_has_no_parent"}


def test_no_organization_is_put_under_itself_or_its_own_subtree() -> None:
    book = country()

    assert book.rejected(book.reparent("org-huyen-suoi-xanh", "org-huyen-suoi-xanh",
                                       REFORM)) == {"parent_id": "cycle"}
    assert book.rejected(book.reparent("org-huyen-suoi-xanh", "org-xa-doi-may", REFORM)) == {
        "parent_id": "cycle"}


def test_history_is_not_rewritten_backwards() -> None:
    book = country()
    book.do(book.rename("org-xa-doi-may", "Đảng bộ xã Đồi Mây mới", REFORM))

    assert book.rejected(book.reparent("org-xa-doi-may", "org-tinh-lam-dong",
                                       date(2024, 1, 1))) == {
        "valid_from": "before_last_change"}
    assert book.rejected(book.registering("org-cu", "Đảng bộ cũ", Level.PROVINCE,
                                          "org-trung-uong", date(1929, 12, 31))) == {
        "valid_from": "before_founding", "parent_id": "parent_not_active"}


def test_a_change_that_changes_nothing_is_refused() -> None:
    book = country()

    assert book.rejected(book.rename("org-xa-doi-may", "Đảng bộ xã Đồi Mây", REFORM)) == {
        "name": "unchanged"}
    assert book.rejected(book.reparent("org-xa-doi-may", "org-huyen-suoi-xanh", REFORM)) == {
        "parent_id": "unchanged"}
    assert book.rejected(book.rename("org-khong-co", "Tên", REFORM)) == {
        "organization_id": "unknown_organization"}


def test_every_violation_is_reported_at_once() -> None:
    book = country()
    department = Actor(user_id="to.chuc", role=Role.ORGANIZATION_DEPARTMENT,
                       organization_id="org-tinh-lam-dong")

    rules = book.rejected(book.registering("Bad Id", "", Level.COMMUNE, "org-xa-doi-may",
                                           actor=department))

    assert rules == {"actor.role": "role_not_permitted", "organization_id": "format",
                     "name": "required", "parent_id": "parent_level"}


def test_a_command_decided_before_decides_nothing_again() -> None:
    book = country()
    command = book.rename("org-xa-doi-may", "Đảng bộ xã Đồi Mây mới", REFORM)
    book.do(command)

    assert decide(book.registry, command, now=NOW) == []


# --- levels, the fold, the stored shape ------------------------------------------------------
@pytest.mark.parametrize(("text", "level"), [
    ("province", Level.PROVINCE), ("Tỉnh", Level.PROVINCE), ("thành phố", Level.PROVINCE),
    ("XÃ", Level.COMMUNE), ("phường", Level.COMMUNE), ("đặc khu", Level.COMMUNE),
    ("Cơ sở", Level.GRASSROOTS), ("huyện", Level.DISTRICT), ("Trung ương", Level.CENTRAL),
    ("commune", Level.COMMUNE)])
def test_a_level_is_read_from_its_code_or_its_vietnamese_name(text: str, level: Level) -> None:
    assert parse_level(text) is level


def test_an_unknown_level_is_none() -> None:
    assert parse_level("thôn") is None


def test_the_fold_does_not_depend_on_the_order_changes_of_one_organization_come_in() -> None:
    book = country()
    book.do(book.reparent("org-xa-doi-may", "org-tinh-lam-dong", REFORM))
    book.do(book.dissolve("org-huyen-suoi-xanh", REFORM))

    shuffled = fold(reversed(book.events))

    assert {i: shuffled.history(i) for i in shuffled.organization_ids()} == {
        i: book.registry.history(i) for i in book.registry.organization_ids()}


def test_every_registry_event_survives_its_stored_form() -> None:
    book = country()
    book.register("org-huyen-a", "Đảng bộ huyện A", Level.DISTRICT, "org-tinh-lam-dong")
    book.register("org-huyen-b", "Đảng bộ huyện B", Level.DISTRICT, "org-tinh-lam-dong")
    book.do(book.rename("org-xa-doi-may", "Đảng bộ xã Đồi Mây mới", REFORM))
    book.do(book.reparent("org-xa-doi-may", "org-huyen-a", REFORM))
    book.do(book.split("org-huyen-suoi-xanh", ("org-huyen-a", "org-huyen-b"), REFORM))
    book.do(book.merge("org-tinh-dak-nong", "org-tinh-lam-dong", REFORM))
    book.do(book.dissolve("org-huyen-b", REFORM))

    assert {type(e) for e in book.events} == set(REGISTRY_EVENT_TYPES.values())
    for event in book.events:
        data = registry_event_to_data(event)
        assert data["actor"]["role"] == "administrator"
        assert registry_event_from_data(event.TYPE, event.SCHEMA_VERSION, data) == event
    assert isinstance(book.events[-1], OrganizationDissolved)


def test_an_organization_version_gives_the_plan_its_organization() -> None:
    version = OrgVersion(organization_id="org-xa-doi-may", name="Đảng bộ xã Đồi Mây",
                         level=Level.COMMUNE, parent_id="org-tinh-lam-dong",
                         valid_from=REFORM, valid_to=None, active=True)

    organization = version.to_organization()

    assert (organization.organization_id, organization.parent_id, organization.level) == (
        "org-xa-doi-may", "org-tinh-lam-dong", "commune")
    assert organization_stream("org-xa-doi-may") == "organization-org-xa-doi-may"


def test_a_view_of_a_day_answers_the_access_policy() -> None:
    book = country()
    book.do(book.reparent("org-xa-doi-may", "org-tinh-lam-dong", REFORM))

    before, after = book.registry.view(date(2020, 1, 1)), book.registry.view(REFORM)

    assert before.parent_of("org-xa-doi-may") == "org-huyen-suoi-xanh"
    assert after.parent_of("org-xa-doi-may") == "org-tinh-lam-dong"
    assert list(after.ancestors("org-xa-doi-may")) == ["org-tinh-lam-dong", "org-trung-uong"]


def test_the_fast_decoder_reads_what_the_generic_one_reads() -> None:
    book = country()
    book.register("org-huyen-a", "Đảng bộ huyện A", Level.DISTRICT, "org-tinh-lam-dong")
    book.register("org-huyen-b", "Đảng bộ huyện B", Level.DISTRICT, "org-tinh-lam-dong")
    book.do(book.rename("org-xa-doi-may", "Đảng bộ xã Đồi Mây mới", REFORM))
    book.do(book.reparent("org-xa-doi-may", "org-huyen-a", REFORM))
    book.do(book.split("org-huyen-suoi-xanh", ("org-huyen-a", "org-huyen-b"), REFORM))
    book.do(book.merge("org-tinh-dak-nong", "org-tinh-lam-dong", REFORM))
    book.do(book.dissolve("org-huyen-b", REFORM))
    auditor = Actor(user_id="kiem.toan", role=Role.AUDITOR, organization_id="org-trung-uong")

    for event in (replace(e, actor=auditor) for e in book.events):
        data = registry_event_to_data(event)
        assert registry_event_from_data(event.TYPE, 1, data) == from_data(type(event), data)


@pytest.mark.parametrize("change", [
    {"extra": 1}, {"name": None}, {"actor": {"user_id": "a", "role": "auditor"}},
    {"actor": {"user_id": "a", "role": "king", "organization_id": "b"}}])
def test_a_stored_document_of_another_shape_is_refused(change: dict[str, object]) -> None:
    event = country().events[1]
    data = {**registry_event_to_data(event), **change}

    with pytest.raises(ValueError):
        registry_event_from_data(event.TYPE, 1, data)
