"""Every registry and user event type has a golden fixture of each version it ever had
(tests/support/identity_golden.py), and each still reads: old documents must stay readable
when a shape changes (a new version and an upcaster, never an edited fixture)."""

from __future__ import annotations

import pytest

from domain.registry import (
    REGISTRY_EVENT_TYPES,
    registry_event_from_data,
    registry_event_to_data,
)
from eventstore.hashing import check_json
from identity.accounts import USER_EVENT_TYPES, user_event_from_data, user_event_to_data
from tests.support.identity_golden import FIXTURES, load, path_of

pytestmark = pytest.mark.unit

ALL_TYPES: dict[str, int] = {  # type -> current schema version
    **{t: cls.SCHEMA_VERSION for t, cls in REGISTRY_EVENT_TYPES.items()},
    **{t: cls.SCHEMA_VERSION for t, cls in USER_EVENT_TYPES.items()}}
PAIRS = [(t, v) for t, current in sorted(ALL_TYPES.items()) for v in range(1, current + 1)]


def test_every_type_has_a_fixture_for_every_version_it_ever_had() -> None:
    missing = [f"{t} v{v}" for t, v in PAIRS if not path_of(t, v).exists()]

    assert missing == [], f"run `python -m tests.support.identity_golden` for {missing}"


def test_every_fixture_names_a_known_type_and_version() -> None:
    files = sorted(FIXTURES.glob("*.v*.json"))
    assert len(files) >= len(ALL_TYPES)
    for path in files:
        doc = load(path)
        name, version = path.stem.rsplit(".v", 1)
        assert (doc["event_type"], doc["schema_version"]) == (name, int(version)), path.name
        assert 1 <= doc["schema_version"] <= ALL_TYPES[name], path.name


@pytest.mark.parametrize(("event_type", "version"), PAIRS, ids=[f"{t}.v{v}" for t, v in PAIRS])
def test_each_fixture_reads_and_writes_back_as_stored(event_type: str, version: int,
                                                      ) -> None:
    doc = load(path_of(event_type, version))
    check_json(doc["data"], "data")

    if event_type in REGISTRY_EVENT_TYPES:
        event = registry_event_from_data(event_type, version, doc["data"])
        again = registry_event_to_data(event)
        stream = f"organization-{doc['data']['organization_id']}"
    else:
        user = user_event_from_data(event_type, version, doc["data"])
        again = user_event_to_data(user)
        stream = f"user-{doc['data']['login']}"

    if version == ALL_TYPES[event_type]:
        assert again == doc["data"]
    assert doc["stream_id"] == stream
    assert doc["data"]["actor"]["role"] in ("administrator", "system")


def test_no_fixture_of_a_user_event_holds_a_secret_field() -> None:
    for path in FIXTURES.glob("*.json"):
        data = load(path)["data"]
        assert not {"password", "hash", "secret", "secret_sha256", "token"} & set(data), path
