"""The HTTP edge's own promises: authentication (token, session, CSRF), the idempotency
header, problem bodies in Vietnamese for every failure (the edge's own, the application's,
FastAPI's validation), the body limit, health checks, the OpenAPI document, the codec."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from application.context import Context
from tests.api.conftest import (
    CANDIDATES,
    World,
    key,
    new_commune,
    new_user,
    plan_body,
    position,
    upload,
)

pytestmark = [pytest.mark.api, pytest.mark.usefixtures("worker")]

# Words of English sentences a translated message must never contain.
ENGLISH = re.compile(r"\b(the|field|required|must|should|invalid|not found|error|value|"
                     r"input|missing|please|allowed|expected|string|integer)\b", re.I)


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str,
                                                                                          Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "code", "violations"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    assert "Traceback" not in response.text
    assert_vietnamese(body)
    return body


def assert_vietnamese(body: dict[str, Any]) -> None:
    """No English sentence leaks: the detail, the title and every violation's message."""
    texts = [body["title"], body["detail"], *(v["message"] for v in body["violations"]),
             *(v["rule_label"] for v in body["violations"])]
    for text in texts:
        # Codes, ids and field names quoted in a message are not sentences: drop them (the
        # application's detail ends each violation with its rule code in brackets).
        prose = re.sub(r"«[^»]*»|\([^)]*\)|\[[a-z_]+\]|[A-Za-z_]+[-_.:][\w.:-]*|"
                       r"[A-Z][A-Za-z-]+", "", text)
        assert not ENGLISH.search(prose), f"English in a problem body: {text!r}"


async def test_requests_without_credentials_get_401_and_a_bad_token_too(
        http: httpx.AsyncClient, world: World) -> None:
    assert_problem(await http.get("/api/v1/me"), 401, "unauthenticated")
    bad = await http.get("/api/v1/me", headers={"Authorization": "Bearer nhs_sai"})
    assert_problem(bad, 401, "unauthenticated")
    assert bad.headers["www-authenticate"].startswith("Bearer")
    assert_problem(await http.get("/api/v1/me", headers={"Authorization": "Basic eDp5"}), 401)
    me = await http.get("/api/v1/me", headers=world.bearer("btv.lamdong"))
    assert me.status_code == 200
    assert me.json()["grants"][0]["role"] == "superior_standing_committee"
    assert me.json()["grants"][0]["role_label"]


async def test_a_web_session_needs_its_csrf_token_for_writes_and_ends_on_log_out(
        app: Any, ctx: Context, world: World) -> None:
    from application.worked_example import PASSWORD

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        wrong_password = await web.post("/api/v1/session",
                                         json={"login": "bantochuc.doimay", "password": "sai"})
        unknown_login = await web.post("/api/v1/session",
                                       json={"login": "khong-co-ai", "password": "sai"})
        # Never says which part was wrong: the same answer either way.
        assert assert_problem(wrong_password, 401)["detail"] == \
            assert_problem(unknown_login, 401)["detail"]
        assert "nhansu_session" not in web.cookies

        logged_in = await web.post("/api/v1/session",
                                   json={"login": "bantochuc.doimay", "password": PASSWORD})
        assert logged_in.status_code == 201, logged_in.text
        cookie = logged_in.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        assert "Secure" not in cookie  # settings.secure_cookies is off here
        csrf = logged_in.json()["csrf_token"]
        assert (await web.get("/api/v1/me")).json()["login"] == "bantochuc.doimay"

        before = await position(ctx)
        body = {"full_name": "Lê Văn Phiên", "birth_date": "1980-01-01", "gender": "nam",
                "candidate_group": "lần đầu", "current_post": "Bí thư chi bộ"}
        no_csrf = await web.post("/api/v1/plans/khong-co/candidates", json=body,
                                 headers={"Idempotency-Key": key()})
        assert "CSRF" in assert_problem(no_csrf, 403, "forbidden")["detail"]
        forged = await web.post("/api/v1/plans/khong-co/candidates", json=body,
                                headers={"Idempotency-Key": key(), "X-CSRF-Token": "gia"})
        assert_problem(forged, 403)
        with_csrf = await web.post("/api/v1/plans/khong-co/candidates", json=body,
                                   headers={"Idempotency-Key": key(), "X-CSRF-Token": csrf})
        assert_problem(with_csrf, 404, "not_found")  # past the CSRF check: no such plan
        assert await position(ctx) == before

        assert_problem(await web.delete("/api/v1/session"), 403)  # log-out needs it too
        ended = await web.delete("/api/v1/session", headers={"X-CSRF-Token": csrf})
        assert ended.status_code == 204
        web.cookies.clear()
        web.cookies.set("nhansu_session", logged_in.cookies["nhansu_session"])
        assert_problem(await web.get("/api/v1/me"), 401)


async def test_repeated_failed_log_ins_get_429_in_vietnamese_with_retry_after(
        app: Any, ctx: Context, world: World) -> None:
    import uuid

    login = f"doan.thu.{uuid.uuid4().hex[:8]}"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        for _ in range(5):  # RATE_LIMIT.per_login failures: each still a plain 401
            assert_problem(await web.post("/api/v1/session",
                                          json={"login": login, "password": "sai-mat-khau"}),
                           401, "unauthenticated")
        locked = await web.post("/api/v1/session",
                                json={"login": login, "password": "sai-mat-khau"})
    body = assert_problem(locked, 429, "login_locked")
    assert "tạm bị khóa" in body["detail"] and "giờ Việt Nam" in body["detail"]
    assert body["title"] == "Thử quá nhiều lần"
    # The lock-out lasts 15 minutes from the failure that reached the limit.
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert "nhansu_session" not in web.cookies


async def test_writes_require_a_well_formed_idempotency_key(
        http: httpx.AsyncClient, ctx: Context, world: World) -> None:
    organization, login = await new_commune(ctx, world, "khoa")
    before = await position(ctx)
    body = plan_body(f"p-{key()}", organization)
    missing = assert_problem(await http.post("/api/v1/plans", json=body,
                                             headers=world.bearer(login)), 422, "invalid")
    assert missing["violations"][0]["field"] == "Idempotency-Key"
    assert missing["violations"][0]["rule"] == "missing"
    for bad in ("co dau", "a" * 201, "a/b", ""):
        refused = await http.post("/api/v1/plans", json=body,
                                  headers={**world.bearer(login), "Idempotency-Key": bad})
        assert assert_problem(refused, 422)["violations"][0]["field"] == "Idempotency-Key"
    assert await position(ctx) == before


async def test_bad_input_is_refused_naming_the_field_and_the_rule_in_vietnamese(
        http: httpx.AsyncClient, ctx: Context, world: World) -> None:
    organization, login = await new_commune(ctx, world, "sai")
    headers = world.bearer(login)
    before = await position(ctx)
    # FastAPI's own validation, translated.
    wrong_types = await http.post("/api/v1/plans", json={"plan_id": 5, "seats": "mười lăm"},
                                  headers={**headers, "Idempotency-Key": key()})
    fields = {v["field"] for v in assert_problem(wrong_types, 422)["violations"]}
    assert {"plan_id", "seats", "term", "term_start", "organization"} <= fields
    not_json = await http.post("/api/v1/plans", content=b"{khong phai json",
                               headers={**headers, "Idempotency-Key": key(),
                                        "Content-Type": "application/json"})
    assert_problem(not_json, 422)
    # The plan file's own rules, through the JSON body.
    body = plan_body(f"p-{key()}", organization)
    body["seats"] = {"committee_member": 0, "khong_co": 3}
    body["targets"]["women_min"] = "0.15"
    refused = assert_problem(await http.post("/api/v1/plans", json=body,
                                             headers={**headers, "Idempotency-Key": key()}),
                             422)
    rules = {(v["field"].split("khóa ")[-1], v["rule"]) for v in refused["violations"]}
    assert ("seats.committee_member", "range") in rules
    assert ("seats.khong_co", "unknown_key") in rules
    assert ("targets.women_min", "ratio") in rules
    # The domain's rules: minutes short of quorum.
    plan_id = f"p-{key()}"
    opened = await http.post("/api/v1/plans", json=plan_body(plan_id, organization),
                             headers={**headers, "Idempotency-Key": key()})
    assert opened.status_code == 201, opened.text
    imported = await http.post(f"/api/v1/plans/{plan_id}/candidates/files",
                               files=upload(CANDIDATES),
                               headers={**headers, "Idempotency-Key": key()})
    assert imported.status_code == 201, imported.text
    before = await position(ctx)
    minutes = {"plan_id": plan_id, "organization_id": organization, "candidate_group": "tái cử",
               "step": 1, "attempt": 1, "held_on": "2025-04-21", "summoned": 5,
               "attending": 3, "ballots_issued": 3, "ballots_valid": 3,
               "votes": {"TD-100001": 3}}
    short = await http.post(f"/api/v1/plans/{plan_id}/conferences", json=minutes,
                            headers={**headers, "Idempotency-Key": key()})
    assert "quorum" in {v["rule"] for v in assert_problem(short, 422)["violations"]}
    # A bad file: every problem at once, with row and column.
    bad_csv = ("full_name,birth_date,gender,ethnicity,candidate_group,current_post\n"
               "Lê Văn A,31/02/1980,nam,Kinh,tái cử,Bí thư\n").encode()
    bad_file = await http.post(f"/api/v1/plans/{plan_id}/candidates/files",
                               files={"file": ("ds.csv", bad_csv, "text/csv")},
                               headers={**headers, "Idempotency-Key": key()})
    assert "dòng 2" in assert_problem(bad_file, 422)["violations"][0]["field"]
    assert await position(ctx) == before
    assert_problem(await http.get("/api/v1/plans/khong-co-de-an", headers=headers), 404,
                   "not_found")
    assert_problem(await http.get(f"/api/v1/plans/{plan_id}?as_of=hom-qua", headers=headers),
                   422)


async def test_unknown_routes_methods_and_oversized_bodies_are_problems(
        http: httpx.AsyncClient, world: World) -> None:
    assert_problem(await http.get("/api/v1/khong-co"), 404, "not_found")
    # The same app serves the web: a browser asking for a missing page reads Vietnamese HTML,
    # while an API path stays a problem even when the client says it prefers HTML.
    page = await http.get("/trang-khong-co", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang" in page.text and "/trang-khong-co" in page.text
    assert_problem(await http.get("/trang-khong-co"), 404, "not_found")
    assert_problem(await http.get("/api/v1/khong-co", headers={"accept": "text/html"}), 404,
                   "not_found")
    assert_problem(await http.put("/api/v1/me", headers=world.bearer("btv.lamdong")), 405)
    huge = b"x" * (6 * 1024 * 1024)
    too_large = await http.post("/api/v1/plans/p/candidates/files",
                                files={"file": ("ds.csv", huge, "text/csv")},
                                headers={**world.bearer("bantochuc.doimay"),
                                         "Idempotency-Key": key()})
    assert_problem(too_large, 413, "payload_too_large")

    async def chunks() -> Any:
        for _ in range(7):
            yield b"y" * (1024 * 1024)

    streamed = await http.post("/api/v1/plans", content=chunks(),
                               headers={**world.bearer("bantochuc.doimay"),
                                        "Idempotency-Key": key(),
                                        "Content-Type": "application/json"})
    assert_problem(streamed, 413, "payload_too_large")


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json()["status"] == "ok"
    assert (await http.get("/readyz")).json()["status"] == "ok"


async def test_the_openapi_document_describes_every_body_with_an_example(
        http: httpx.AsyncClient) -> None:
    schema = (await http.get("/api/v1/openapi.json")).json()
    components = schema["components"]["schemas"]
    bodies = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("summary") and operation.get("tags"), (method, path)
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"]
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                bodies += 1
                ref = media["schema"].get("$ref", "")
                target = components[ref.rsplit("/", 1)[-1]] if ref else media["schema"]
                if "multipart/form-data" not in content:
                    assert target.get("examples"), (method, path)
            if method in ("post", "delete") and not path.startswith(("/api/v1/session",
                                                                     "/codec")):
                names = {p["name"] for p in operation.get("parameters", [])}
                assert "Idempotency-Key" in names, (method, path)
    assert bodies >= 20
    assert "HTTPValidationError" not in components


async def test_the_codec_decodes_for_auditors_only_and_answers_the_temporal_ui(
        http: httpx.AsyncClient, ctx: Context, world: World) -> None:
    secret = base64.b64encode(b'{"ho_ten": "Nguy\\u1ec5n V\\u0103n H\\u00f9ng"}').decode()
    plain = {"payloads": [{"metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                           "data": secret}]}
    origin = {"Origin": "http://localhost:8233"}
    auditor = {**world.bearer("kiemtoan.trunguong"), **origin}
    encoded = await http.post("/codec/encode", json=plain, headers=auditor)
    assert encoded.status_code == 200, encoded.text
    sealed = encoded.json()["payloads"][0]
    assert sealed["data"] != secret
    assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/encrypted"
    assert encoded.headers["access-control-allow-origin"] == "http://localhost:8233"
    decoded = await http.post("/codec/decode", json=encoded.json(), headers=auditor)
    assert decoded.json()["payloads"][0]["data"] == secret

    assert_problem(await http.post("/codec/decode", json=encoded.json(),
                                   headers=world.bearer("bantochuc.doimay")), 403, "forbidden")
    assert_problem(await http.post("/codec/decode", json=encoded.json()), 401)
    await new_user(ctx, world, f"quantri.{key()}", [("administrator", "org-tinh-lam-dong", None)])
    admin = next(login for login in world.tokens if login.startswith("quantri."))
    assert (await http.post("/codec/decode", json=encoded.json(),
                            headers=world.bearer(admin))).status_code == 200
    preflight = await http.options("/codec/decode", headers={
        **origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    elsewhere = await http.options("/codec/decode", headers={"Origin": "https://la.example"})
    assert "access-control-allow-origin" not in elsewhere.headers
