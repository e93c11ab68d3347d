"""Authentication on PostgreSQL: passwords, API tokens, web sessions and CSRF, the login rate
limit, the CLI's token file, and that no secret reaches the event log."""

from __future__ import annotations

import hmac
import json
import stat
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from application import authentication, users
from application.authentication import WRONG_CREDENTIALS
from application.errors import Forbidden, Rejected, Unauthenticated
from domain.people import Role
from identity import credentials, store
from identity.credentials import Passwords
from tests.identity.conftest import ADMIN, Ctx

pytestmark = pytest.mark.identity

LOGIN = "to-chuc.doi-may"
PASSWORD = "Đồi Mây xanh 2025"
DOI_MAY = "org-xa-doi-may"


@pytest.fixture
async def user(country: Ctx) -> Ctx:
    await users.create_user(country, ADMIN, login=LOGIN, display_name="Ban Tổ chức xã Đồi Mây")
    await users.grant_role(country, ADMIN, login=LOGIN, role="organization_department",
                           organization_id=DOI_MAY)
    await users.set_password(country, ADMIN, login=LOGIN, password=PASSWORD)
    return country


# --- passwords ------------------------------------------------------------------------------
async def test_the_right_password_opens_a_session_and_a_wrong_one_does_not(user: Ctx) -> None:
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")
    principal = await authentication.session_principal(user, session.session_id)

    assert principal.user_id == LOGIN and principal.display_name == "Ban Tổ chức xã Đồi Mây"
    assert [(g.role, g.organization_id) for g in principal.grants] == [
        (Role.ORGANIZATION_DEPARTMENT, DOI_MAY)]
    with pytest.raises(Unauthenticated) as wrong:
        await authentication.log_in(user, LOGIN, PASSWORD + "!", "10.0.0.7")
    assert str(wrong.value) == WRONG_CREDENTIALS


async def test_a_password_is_nfc_so_either_keyboard_spelling_opens(user: Ctx) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", PASSWORD)
    assert decomposed != PASSWORD

    assert await authentication.log_in(user, LOGIN, decomposed, "10.0.0.7")


async def test_an_unknown_login_and_a_wrong_password_read_alike_and_are_logged(
        user: Ctx) -> None:
    with capture_logs() as logs:
        with pytest.raises(Unauthenticated) as unknown:
            await authentication.log_in(user, "khong.co.ai", PASSWORD, "10.0.0.8")
        with pytest.raises(Unauthenticated) as wrong:
            await authentication.log_in(user, LOGIN, "sai mật khẩu rồi", "10.0.0.8")

    assert str(unknown.value) == str(wrong.value) == WRONG_CREDENTIALS
    failed = [e for e in logs if e["event"] == "login_failed"]
    assert [(e["login"], e["source"]) for e in failed] == [
        ("khong.co.ai", "10.0.0.8"), (LOGIN, "10.0.0.8")]
    assert all(PASSWORD not in json.dumps(e, default=str) for e in logs)


async def test_a_short_password_is_refused_and_the_old_one_still_works(user: Ctx) -> None:
    with pytest.raises(Rejected) as short:
        await users.set_password(user, ADMIN, login=LOGIN, password="ngắn quá")

    assert short.value.violations[0].field == "password"
    assert short.value.violations[0].rule == "too_short"
    assert await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")


async def test_a_new_password_ends_the_users_sessions(user: Ctx) -> None:
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")

    await users.set_password(user, ADMIN, login=LOGIN, password="một mật khẩu mới hẳn")

    with pytest.raises(Unauthenticated):
        await authentication.session_principal(user, session.session_id)
    with pytest.raises(Unauthenticated):
        await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")
    assert await authentication.log_in(user, LOGIN, "một mật khẩu mới hẳn", "10.0.0.7")


def test_production_hashes_are_argon2id_with_the_library_defaults() -> None:
    hashed = Passwords().hash("một mật khẩu đủ dài")

    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert Passwords().verify(hashed, "một mật khẩu đủ dài")
    assert not Passwords().verify(hashed, "một mật khẩu khác")
    assert not Passwords().verify(None, "một mật khẩu đủ dài")


# --- the rate limit -------------------------------------------------------------------------
async def test_after_five_failures_the_right_password_is_refused_for_15_minutes(
        user: Ctx) -> None:
    for _ in range(5):
        user.clock.advance(seconds=30)
        with pytest.raises(Unauthenticated, match="không đúng"):
            await authentication.log_in(user, LOGIN, "đoán thử mật khẩu", "10.0.0.9")

    user.clock.advance(seconds=30)
    with capture_logs() as logs, pytest.raises(Unauthenticated) as sixth:
        await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.9")
    assert "tạm bị khóa" in str(sixth.value)
    assert "không đúng" not in str(sixth.value)
    assert [e["event"] for e in logs] == ["login_refused_rate_limited"]
    # From another source too: the login itself is locked.
    with pytest.raises(Unauthenticated, match="tạm bị khóa"):
        await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.10")

    user.clock.advance(minutes=14)  # 14.5 minutes after the fifth failure
    with pytest.raises(Unauthenticated, match="tạm bị khóa"):
        await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.9")
    user.clock.advance(seconds=31)  # 15 minutes and a second after it
    assert await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.9")


async def test_a_success_clears_the_failures_of_its_login(user: Ctx) -> None:
    for _ in range(4):
        with pytest.raises(Unauthenticated):
            await authentication.log_in(user, LOGIN, "đoán thử mật khẩu", "10.0.0.9")
    await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.9")

    with pytest.raises(Unauthenticated, match="không đúng"):
        await authentication.log_in(user, LOGIN, "đoán thử mật khẩu", "10.0.0.9")
    assert await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.9")


async def test_twenty_failures_from_one_source_lock_that_source(user: Ctx) -> None:
    for n in range(20):
        with pytest.raises(Unauthenticated, match="không đúng"):
            await authentication.log_in(user, f"ai-do-{n}", "đoán thử mật khẩu", "10.6.6.6")

    with pytest.raises(Unauthenticated, match="tạm bị khóa"):
        await authentication.log_in(user, LOGIN, PASSWORD, "10.6.6.6")
    assert await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")


# --- API tokens -----------------------------------------------------------------------------
async def test_a_token_shown_once_works_until_it_is_revoked(user: Ctx) -> None:
    issued = await users.issue_token(user, ADMIN, login=LOGIN, name="máy chủ báo cáo")

    assert issued.secret.startswith("nhs_") and issued.secret not in repr(issued)
    principal = await authentication.authenticate_token(user, issued.secret)
    assert principal.user_id == LOGIN and principal.grants[0].organization_id == DOI_MAY
    rows = await store.tokens_of(user.engine, LOGIN)
    assert [(r.token_id, r.secret_sha256) for r in rows] == [
        (issued.token_id, credentials.digest(issued.secret))]
    listed = await users.get_user(user, ADMIN, LOGIN)
    assert all(issued.secret not in repr(t) for t in listed.tokens)

    await users.revoke_token(user, ADMIN, login=LOGIN, token_id=issued.token_id)

    with pytest.raises(Unauthenticated, match="thu hồi"):
        await authentication.authenticate_token(user, issued.secret)


async def test_a_token_works_until_it_expires(user: Ctx) -> None:
    issued = await users.issue_token(user, ADMIN, login=LOGIN, name="cli")
    assert issued.expires_at == user.clock.now + timedelta(days=90)

    user.clock.advance(days=89, hours=23)
    assert await authentication.authenticate_token(user, issued.secret)
    user.clock.advance(hours=1)
    with pytest.raises(Unauthenticated, match="hết hạn"):
        await authentication.authenticate_token(user, issued.secret)


async def test_unknown_and_malformed_tokens_are_refused(user: Ctx) -> None:
    issued = await users.issue_token(user, ADMIN, login=LOGIN, name="cli")
    tampered = issued.secret[:-2] + ("AA" if not issued.secret.endswith("AA") else "BB")

    for token in (tampered, credentials.new_token(), "nhs_", "", "Bearer " + issued.secret,
                  issued.secret.replace("nhs_", "xyz_")):
        with pytest.raises(Unauthenticated):
            await authentication.authenticate_token(user, token)


async def test_the_stored_digest_is_compared_in_constant_time(
        user: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    issued = await users.issue_token(user, ADMIN, login=LOGIN, name="cli")
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module identity.credentials uses

    await authentication.authenticate_token(user, issued.secret)

    assert compared == [(credentials.digest(issued.secret), credentials.digest(issued.secret))]


# --- web sessions ---------------------------------------------------------------------------
async def test_a_session_slides_while_used_and_ends_after_8_idle_hours(user: Ctx) -> None:
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")

    user.clock.advance(hours=7, minutes=59)
    resumed, _ = await authentication.resume_session(user, session.session_id)
    assert resumed.idle_expires_at == user.clock.now + timedelta(hours=8)
    user.clock.advance(hours=7, minutes=59)
    assert await authentication.session_principal(user, session.session_id)
    user.clock.advance(hours=8)
    with pytest.raises(Unauthenticated, match="hết hạn"):
        await authentication.session_principal(user, session.session_id)
    user.clock.advance(minutes=-1)  # deleted when found dead: it does not come back
    with pytest.raises(Unauthenticated):
        await authentication.session_principal(user, session.session_id)


async def test_a_session_ends_24_hours_after_the_login_however_busy(user: Ctx) -> None:
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")

    for _ in range(3):
        user.clock.advance(hours=7, minutes=50)
        assert await authentication.session_principal(user, session.session_id)
    user.clock.advance(minutes=31)  # 24 hours and a minute
    with pytest.raises(Unauthenticated):
        await authentication.session_principal(user, session.session_id)


async def test_logging_out_ends_the_session(user: Ctx) -> None:
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")

    assert await authentication.log_out(user, session.session_id)

    with pytest.raises(Unauthenticated):
        await authentication.session_principal(user, session.session_id)
    assert not await authentication.log_out(user, session.session_id)


async def test_a_session_is_stored_only_as_a_digest(user: Ctx) -> None:
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")
    from identity.database import driver

    async with driver(user.engine) as conn:
        rows = await conn.fetch("SELECT session_sha256::text, login FROM identity_sessions")

    assert len(rows) == 1 and session.session_id not in str(rows[0])
    assert session.session_id not in repr(session) and session.csrf_token not in repr(session)


async def test_a_request_without_the_sessions_csrf_token_is_refused(user: Ctx) -> None:
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")
    other = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")
    resumed, _ = await authentication.resume_session(user, session.session_id)

    authentication.check_csrf(resumed, session.csrf_token)
    for token in (other.csrf_token, None, "", session.csrf_token[:-1]):
        with pytest.raises(Forbidden, match="CSRF"):
            authentication.check_csrf(resumed, token)


# --- the CLI --------------------------------------------------------------------------------
@dataclass
class Settings:
    token: str | None
    token_file: Path


async def test_the_cli_login_writes_a_token_only_its_owner_reads(user: Ctx,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "config" / "nhansu" / "token"

    issued = await authentication.log_in_for_cli(user, LOGIN, PASSWORD, "cli@may-tram",
                                                 path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == issued.secret
    assert authentication.token_source(Settings(None, path)) == issued.secret
    assert authentication.token_source(Settings("nhs_from_env", path)) == "nhs_from_env"
    assert authentication.token_source(Settings(None, tmp_path / "none")) is None
    principal = await authentication.authenticate_token(user, issued.secret)
    assert principal.user_id == LOGIN
    stored = (await user.store.read_stream(f"user-{LOGIN}"))[-1]
    assert stored.event_type == "TokenIssued"
    assert stored.data["actor"] == {"user_id": LOGIN, "role": "system", "organization_id": "*"}
    assert stored.metadata["on_behalf_of"] == "self"
    path.chmod(0o644)
    with pytest.raises(Unauthenticated, match="chmod 600"):
        authentication.token_source(Settings(None, path))


async def test_the_cli_login_refuses_a_wrong_password_and_writes_nothing(
        user: Ctx, tmp_path: Path) -> None:
    path = tmp_path / "token"

    with pytest.raises(Unauthenticated, match="không đúng"):
        await authentication.log_in_for_cli(user, LOGIN, "sai mật khẩu rồi", "cli", path)

    assert not path.exists()


# --- nothing secret in the log --------------------------------------------------------------
async def test_no_password_token_or_digest_is_in_any_stored_event(user: Ctx,
                                                                  tmp_path: Path) -> None:
    issued = await users.issue_token(user, ADMIN, login=LOGIN, name="api")
    cli = await authentication.log_in_for_cli(user, LOGIN, PASSWORD, "cli", tmp_path / "t")
    session = await authentication.log_in(user, LOGIN, PASSWORD, "10.0.0.7")
    await users.set_password(user, ADMIN, login=LOGIN, password="mật khẩu thứ hai dài")
    hashed = await store.password_hash(user.engine, LOGIN)
    assert hashed is not None

    stored = await user.store.read_all(limit=100_000)
    text = "\n".join(json.dumps({"data": r.data, "metadata": r.metadata}, ensure_ascii=False)
                     for r in stored)

    assert {r.event_type for r in stored} >= {"UserCreated", "RoleGranted", "PasswordChanged",
                                              "TokenIssued"}
    secrets = [PASSWORD, "mật khẩu thứ hai dài", issued.secret, cli.secret, session.session_id,
               session.csrf_token, hashed, hashed.split("$")[-1]]
    for secret in [*secrets[:6], *(credentials.digest(s).hex() for s in secrets[2:5])]:
        assert secret not in text
    assert hashed not in text and hashed.split("$")[-1] not in text
    assert issued.token_id in text  # what was issued is on record: its id, name and expiry
