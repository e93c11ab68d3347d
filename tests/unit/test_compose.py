"""docker-compose.yml cannot be run here (no Docker), so hold it to the code it configures.

Each check returns a list of problems; the mutation tests below prove each can fail.
"""

from __future__ import annotations

import copy
import fnmatch
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from local_services.temporal_dev import SEARCH_ATTRIBUTES
from settings import Settings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("worker", "nhansu-migrate", "api")
REQUIRED_APP_ENV = ("DATABASE_URL", "TEMPORAL_ADDRESS")
TEMPORAL_SERVICE, POSTGRES_SERVICE = "temporal", "postgresql"
_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")

Compose = dict[str, Any]


@pytest.fixture(scope="module")
def compose() -> Compose:
    loaded: Compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def interpolate(value: object) -> str:
    """Compose's ${VAR:-default} as an unset host environment would see it."""

    def replace(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        if operator in (":-", "-"):
            return str(argument)
        if operator in (":?", "?"):
            return f"<{name}>"  # required from the host: any value will do here
        return ""

    return _VARIABLE.sub(replace, str(value)).replace("$$", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(key): interpolate(value) for key, value in env.items()}


def container_ports(service: dict[str, Any]) -> set[int]:
    ports = {int(str(p).split("/")[0]) for p in service.get("expose", [])}
    for mapping in service.get("ports", []):
        target = mapping["target"] if isinstance(mapping, dict) else interpolate(mapping)
        ports.add(int(str(target).split(":")[-1].split("/")[0]))
    return ports


def depends_on(service: dict[str, Any]) -> set[str]:
    return set(service.get("depends_on") or [])


# --- checks -----------------------------------------------------------------------------------


def app_env_problems(compose: Compose) -> list[str]:
    aliases = set(Settings.variables())
    problems = []
    for name in APP_SERVICES:
        env = environment(compose["services"][name])
        problems += [f"{name}: unknown to settings.py: {var}" for var in env if var not in aliases]
        problems += [f"{name}: {var} is not set" for var in REQUIRED_APP_ENV if var not in env]
        try:
            # The values must parse too (log format literal, ports, ...); from_environment
            # reads only the mapping it is given.
            Settings.from_environment(env)
        except ValueError as error:
            problems.append(f"{name}: settings reject the environment: {error}")
    return problems


def address_problems(compose: Compose) -> list[str]:
    services = compose["services"]
    problems = []
    for name in APP_SERVICES:
        env = environment(services[name])
        host, _, port = env.get("TEMPORAL_ADDRESS", "").rpartition(":")
        if host != TEMPORAL_SERVICE or port != "7233":
            problems.append(f"{name}: TEMPORAL_ADDRESS is not {TEMPORAL_SERVICE}:7233")
        elif 7233 not in container_ports(services[host]):
            problems.append(f"{name}: service {host} does not expose 7233")
        url = urlsplit(env.get("DATABASE_URL", ""))
        if url.hostname != POSTGRES_SERVICE or url.port != 5432:
            problems.append(f"{name}: DATABASE_URL is not at {POSTGRES_SERVICE}:5432")
        elif 5432 not in container_ports(services[POSTGRES_SERVICE]):
            problems.append(f"{name}: service {POSTGRES_SERVICE} does not expose 5432")
        if url.path.strip("/") in ("", "postgres", "temporal", "temporal_visibility"):
            problems.append(f"{name}: DATABASE_URL must name the app's own database")
    return problems


def image_problems(compose: Compose) -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        image = interpolate(service.get("image", ""))
        repository, _, tag = image.rpartition(":")
        if not image:
            problems.append(f"{name}: no image")
        elif not repository or "/" in tag or tag in ("", "latest"):
            problems.append(f"{name}: image {image!r} has no pinned tag")
    return problems


def dependency_problems(compose: Compose) -> list[str]:
    services = compose["services"]
    problems = [
        f"{name} depends on unknown service {dep}"
        for name, service in services.items()
        for dep in depends_on(service)
        if dep not in services
    ]
    required = {
        "worker": {TEMPORAL_SERVICE, "nhansu-migrate", "temporal-create-namespace"},
        "nhansu-migrate": {POSTGRES_SERVICE},
        "api": {"nhansu-migrate", TEMPORAL_SERVICE},
        TEMPORAL_SERVICE: {"temporal-admin-tools"},
        "temporal-admin-tools": {POSTGRES_SERVICE},
        "temporal-create-namespace": {TEMPORAL_SERVICE},
    }
    for name, deps in required.items():
        missing = deps - depends_on(services.get(name, {}))
        problems += [f"{name} does not depend on {dep}" for dep in sorted(missing)]
    return problems


def search_attribute_problems(compose: Compose) -> list[str]:
    service = compose["services"]["temporal-create-namespace"]
    pairs = environment(service).get("SEARCH_ATTRIBUTES", "").split()
    created = dict(pair.split("=", 1) for pair in pairs)
    if created != dict(SEARCH_ATTRIBUTES):
        return [f"compose creates {created}, the dev server registers {dict(SEARCH_ATTRIBUTES)}"]
    return []


def mount_problems(compose: Compose) -> list[str]:
    problems = []
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith(".") and not (ROOT / source).exists():
                problems.append(f"{name}: mounts missing {source}")
    return problems


def api_problems(compose: Compose) -> list[str]:
    """The HTTP API: the worker's image, `nhansu serve --no-worker` (the worker is a service
    of its own), listening where its settings and its published port say, healthy when
    GET /healthz answers on that port; and the Temporal UI's codec endpoint is the API's."""
    services = compose["services"]
    api, worker = services.get("api"), services["worker"]
    if api is None:
        return ["no api service"]
    problems = []
    if interpolate(api.get("image")) != interpolate(worker.get("image")):
        problems.append("api: not the worker's image")
    command = api.get("command") or []
    command = command.split() if isinstance(command, str) else [str(c) for c in command]
    if command[:2] != ["nhansu", "serve"] or "--no-worker" not in command:
        problems.append(f"api: command {command} is not nhansu serve --no-worker")
    settings = Settings.from_environment(environment(api))
    if settings.api_host != "0.0.0.0":
        problems.append("api: NHANSU_API_HOST must be 0.0.0.0 inside a container")
    if settings.api_port not in container_ports(api):
        problems.append(f"api: port {settings.api_port} is not published")
    test = " ".join(str(t) for t in (api.get("healthcheck") or {}).get("test", []))
    if f"127.0.0.1:{settings.api_port}/healthz" not in test:
        problems.append("api: the healthcheck does not ask GET /healthz on the API's port")
    ui = environment(services["temporal-ui"])
    codec = ui.get("TEMPORAL_CODEC_ENDPOINT", "")
    if not codec.endswith("/codec") or str(settings.api_port) not in codec:
        problems.append("temporal-ui: TEMPORAL_CODEC_ENDPOINT is not the API's /codec")
    # The browser's origin for the UI is its published host port.
    ui_ports = {interpolate(p).split(":")[-2] for p in services["temporal-ui"].get("ports", [])}
    origins = [o.strip() for o in settings.codec_cors_origins.split(",")]
    if not any(o.rsplit(":", 1)[-1] in ui_ports for o in origins):
        problems.append("api: NHANSU_CODEC_CORS_ORIGINS does not name the Temporal UI")
    return problems


#: Who each app service connects to PostgreSQL as (eventstore/roles.py).
DATABASE_ROLES = {"nhansu-migrate": "nhansu_owner", "worker": "nhansu_worker",
                  "api": "nhansu_api"}
_DEFAULTED = re.compile(r"\$\{(\w*(?:PASSWORD|PWD)\w*)(?::?-)")


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def secret_problems(compose: Compose) -> list[str]:
    """No password has a default (each is required, ${VAR:?...}), none is written in."""
    problems = [f"{name}: default for {m}" for name, service in compose["services"].items()
                for text in _strings(service) for m in _DEFAULTED.findall(text)]
    for name in APP_SERVICES:
        url = urlsplit(environment(compose["services"][name]).get("DATABASE_URL", ""))
        if url.password is None or not url.password.startswith("<"):
            problems.append(f"{name}: DATABASE_URL's password is not a required variable")
    return problems


def privilege_problems(compose: Compose) -> list[str]:
    """Migrations as the owner; the worker and the API as their own roles."""
    problems = []
    for name, role in DATABASE_ROLES.items():
        user = urlsplit(environment(compose["services"][name]).get("DATABASE_URL", "")).username
        if user != role:
            problems.append(f"{name}: connects as {user}, not {role}")
    return problems


def tls_problems(compose: Compose) -> list[str]:
    """Temporal requires client certificates; every caller presents one from /certs."""
    services = compose["services"]
    problems = []
    server = environment(services[TEMPORAL_SERVICE])
    if server.get("TEMPORAL_TLS_REQUIRE_CLIENT_AUTH") != "true":
        problems.append("temporal: client certificates are not required")
    callers = {**{name: ("NHANSU_TEMPORAL_TLS_CA", "NHANSU_TEMPORAL_TLS_CERT",
                         "NHANSU_TEMPORAL_TLS_KEY") for name in APP_SERVICES},
               "temporal-ui": ("TEMPORAL_TLS_CA", "TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY"),
               "temporal-create-namespace": ("TEMPORAL_TLS_SERVER_CA_CERT_PATH",
                                             "TEMPORAL_TLS_CLIENT_CERT_PATH",
                                             "TEMPORAL_TLS_CLIENT_KEY_PATH"),
               TEMPORAL_SERVICE: ("TEMPORAL_TLS_SERVER_CA_CERT", "TEMPORAL_TLS_SERVER_CERT",
                                  "TEMPORAL_TLS_SERVER_KEY")}
    for name, variables in callers.items():
        env = environment(services[name])
        mounted = any(str(v).endswith(":/certs:ro") for v in services[name].get("volumes", []))
        for variable in variables:
            if not env.get(variable, "").startswith("/certs/"):
                problems.append(f"{name}: {variable} is not a file under /certs")
        if not mounted:
            problems.append(f"{name}: the certificates are not mounted at /certs")
    if environment(services["worker"])["NHANSU_TEMPORAL_TLS_CERT"] == environment(
            services["api"])["NHANSU_TEMPORAL_TLS_CERT"]:
        problems.append("worker and api share a client certificate")
    return problems


TOKENS = {"worker": "nhansu-worker", "api": "nhansu-api", "nhansu-migrate": "nhansu-api"}


def authorizer_problems(compose: Compose) -> list[str]:
    """Temporal's default authorizer checks a JWT on every call, with keys from a service of
    this file; each caller sends its own token from /certs, one that nhansu temporal-tokens
    makes, with the permissions its work needs and no more."""
    from identity.temporal_tokens import CALLERS, PERMISSIONS_CLAIM

    services = compose["services"]
    server = environment(services[TEMPORAL_SERVICE])
    problems = [f"temporal: {v} is not default" for v in ("TEMPORAL_AUTH_AUTHORIZER",
                                                          "TEMPORAL_AUTH_CLAIM_MAPPER")
                if server.get(v) != "default"]
    if server.get("TEMPORAL_JWT_PERMISSIONS_CLAIM", "permissions") != PERMISSIONS_CLAIM:
        problems.append("temporal: the permissions claim is not the one the tokens carry")
    if "internal-frontend" not in server.get("SERVICES", "").split(":") or server.get(
            "USE_INTERNAL_FRONTEND") != "true":
        problems.append("temporal: no internal frontend for the server's own workflows")
    source = urlsplit(server.get("TEMPORAL_JWT_KEY_SOURCE1", ""))
    keys = services.get(source.hostname or "")
    if source.scheme != "http" or keys is None or (source.port or 80) not in container_ports(
            keys):
        problems.append("temporal: the JWKS is not fetched from a service of this file")
    elif TEMPORAL_SERVICE in services and source.hostname not in depends_on(
            services[TEMPORAL_SERVICE]):
        problems.append("temporal: does not wait for the JWKS service")
    permissions = {c.name: c.permissions for c in CALLERS}
    for name, token in {**TOKENS, "temporal-create-namespace": "temporal-admin"}.items():
        variable = ("TEMPORAL_API_KEY_FILE" if name == "temporal-create-namespace"
                    else "NHANSU_TEMPORAL_API_KEY_FILE")
        if environment(services[name]).get(variable) != f"/certs/{token}.jwt":
            problems.append(f"{name}: {variable} is not /certs/{token}.jwt")
    for token in set(TOKENS.values()):
        if any(not p.endswith(":writer") for p in permissions[token]):
            problems.append(f"{token}: its token may do more than run workflows")
    return problems


def healthcheck_problems(compose: Compose) -> list[str]:
    """Every long-running service says whether it is healthy; one-shot jobs (restart
    on-failure) are waited on by their exit instead."""
    return [f"{name}: no healthcheck" for name, service in compose["services"].items()
            if service.get("restart") == "unless-stopped" and not service.get("healthcheck")]


CHECKS = [
    healthcheck_problems,
    secret_problems,
    privilege_problems,
    tls_problems,
    authorizer_problems,
    app_env_problems,
    address_problems,
    image_problems,
    dependency_problems,
    search_attribute_problems,
    mount_problems,
    api_problems,
]


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_compose_is_consistent(compose: Compose, check: Any) -> None:
    assert check(compose) == []


def test_namespace_script_creates_the_listed_attributes() -> None:
    script = (ROOT / "deploy/temporal/create-namespace.sh").read_text()
    assert "$SEARCH_ATTRIBUTES" in script
    assert "search-attribute create" in script


def test_dockerfile_copies_what_pyproject_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    copy_lines = re.findall(r"^COPY\s+(.+)$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    sources = [word.rstrip("/") for line in copy_lines for word in line.split()[:-1]]

    def copied(path: str) -> bool:
        return any(fnmatch.fnmatch(path, source) for source in sources)

    wanted = [f"{module}.py" for module in setuptools["py-modules"]]
    wanted += [str(project["project"].get("readme", "pyproject.toml")), "pyproject.toml"]
    wanted += [
        pattern.rstrip("*").rstrip(".") for pattern in setuptools["packages"]["find"]["include"]
    ]
    assert [path for path in wanted if not copied(path)] == []
    # COPY fails on a missing source, so a renamed directory would break the image build.
    assert [s for s in sources if "*" not in s and not (ROOT / s).exists()] == []


# --- the checks catch what they are for ---------------------------------------------------------


def mutated(compose: Compose, service: str, key: str, value: Any) -> Compose:
    changed = copy.deepcopy(compose)
    changed["services"][service][key] = value
    return changed


def without_ports(compose: Compose, service: str) -> Compose:
    return mutated(mutated(compose, service, "expose", []), service, "ports", [])


def with_env(compose: Compose, service: str, **values: str | None) -> Compose:
    env = dict(compose["services"][service]["environment"])
    for key, value in values.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return mutated(compose, service, "environment", env)


@pytest.mark.parametrize(
    ("check", "change"),
    [
        (app_env_problems, lambda c: with_env(c, "worker", NHANSU_TYPO="1")),
        (app_env_problems, lambda c: with_env(c, "nhansu-migrate", DATABASE_URL=None)),
        (app_env_problems, lambda c: with_env(c, "worker", NHANSU_LOG_FORMAT="xml")),
        (address_problems, lambda c: with_env(c, "worker", TEMPORAL_ADDRESS="temporal:7234")),
        (address_problems, lambda c: with_env(c, "worker", TEMPORAL_ADDRESS="localhost:7233")),
        (address_problems, lambda c: without_ports(c, "temporal")),
        (address_problems, lambda c: with_env(c, "worker", DATABASE_URL="postgresql://db/x")),
        (address_problems,
         lambda c: with_env(c, "worker", DATABASE_URL="postgresql://postgresql:5432/temporal")),
        (image_problems, lambda c: mutated(c, "temporal", "image", "temporalio/server")),
        (image_problems, lambda c: mutated(c, "temporal-ui", "image", "temporalio/ui:latest")),
        (image_problems, lambda c: mutated(c, "postgresql", "image", "postgres:${PG_VERSION}")),
        (dependency_problems, lambda c: mutated(c, "worker", "depends_on", {"temporal": {}})),
        (dependency_problems, lambda c: mutated(c, "worker", "depends_on", ["nosuch"])),
        (search_attribute_problems,
         lambda c: with_env(c, "temporal-create-namespace", SEARCH_ATTRIBUTES="PlanPhase=Keyword")),
        (mount_problems, lambda c: mutated(c, "temporal", "volumes", ["./nowhere:/etc/x"])),
        (api_problems, lambda c: mutated(c, "api", "command", ["nhansu", "serve"])),
        (api_problems, lambda c: mutated(c, "api", "command", ["python", "worker.py"])),
        (api_problems, lambda c: mutated(c, "api", "image", "nhansu:other")),
        (api_problems, lambda c: with_env(c, "api", NHANSU_API_PORT="9000")),
        (api_problems, lambda c: with_env(c, "api", NHANSU_API_HOST=None)),
        (api_problems, lambda c: mutated(c, "api", "healthcheck", {"test": ["CMD", "true"]})),
        (healthcheck_problems, lambda c: mutated(c, "worker", "healthcheck", None)),
        (healthcheck_problems, lambda c: mutated(c, "temporal-ui", "healthcheck", {})),
        (api_problems, lambda c: with_env(c, "api", NHANSU_CODEC_CORS_ORIGINS="https://x.vn")),
        (api_problems, lambda c: with_env(c, "temporal-ui", TEMPORAL_CODEC_ENDPOINT=None)),
        (app_env_problems, lambda c: with_env(c, "api", NHANSU_SECURE_COOKIES="maybe")),
        (dependency_problems, lambda c: mutated(c, "api", "depends_on", ["postgresql"])),
        (secret_problems, lambda c: with_env(c, "postgresql",
                                             POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-temporal}")),
        (secret_problems, lambda c: with_env(
            c, "worker", DATABASE_URL="postgresql://nhansu_worker:nhansu@postgresql:5432/nhansu")),
        (privilege_problems, lambda c: with_env(
            c, "worker", DATABASE_URL="postgresql://nhansu_owner:${P:?}@postgresql:5432/nhansu")),
        (privilege_problems, lambda c: with_env(
            c, "api", DATABASE_URL="postgresql://postgres:${P:?}@postgresql:5432/nhansu")),
        (tls_problems, lambda c: with_env(c, "temporal", TEMPORAL_TLS_REQUIRE_CLIENT_AUTH=None)),
        (tls_problems, lambda c: with_env(c, "worker", NHANSU_TEMPORAL_TLS_KEY=None)),
        (tls_problems, lambda c: mutated(c, "temporal-ui", "volumes", [])),
        (tls_problems, lambda c: with_env(c, "worker",
                                          NHANSU_TEMPORAL_TLS_CERT="/certs/nhansu-api.pem")),
        (authorizer_problems, lambda c: with_env(c, "temporal", TEMPORAL_AUTH_AUTHORIZER=None)),
        (authorizer_problems, lambda c: with_env(c, "temporal", SERVICES="frontend:history")),
        (authorizer_problems,
         lambda c: with_env(c, "temporal", TEMPORAL_JWT_KEY_SOURCE1="http://nowhere/jwks.json")),
        (authorizer_problems, lambda c: mutated(c, "temporal", "depends_on", ["postgresql"])),
        (authorizer_problems, lambda c: with_env(c, "worker", NHANSU_TEMPORAL_API_KEY_FILE=None)),
        (authorizer_problems,
         lambda c: with_env(c, "api", NHANSU_TEMPORAL_API_KEY_FILE="/certs/temporal-admin.jwt")),
        (authorizer_problems,
         lambda c: with_env(c, "temporal-create-namespace", TEMPORAL_API_KEY_FILE=None)),
    ],
)  # fmt: skip
def test_checks_catch_mistakes(compose: Compose, check: Any, change: Any) -> None:
    assert check(change(compose)) != []


def test_pyproject_installs_every_top_level_module_the_service_runs() -> None:
    """A module beside bootstrap.py or a package that pyproject.toml does not list works in a
    checkout (the working directory is on the path) and breaks in a fresh install."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    modules = set(setuptools["py-modules"])
    packages = {p.rstrip("*").rstrip(".") for p in setuptools["packages"]["find"]["include"]}
    not_installed = {"bench", "tests", "examples"}  # read or run from a checkout only
    found_modules = {p.stem for p in ROOT.glob("*.py")}
    found_packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - not_installed
    assert (found_modules - modules, found_packages - packages) == (set(), set())
