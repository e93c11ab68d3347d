"""The command line's shape: every command answers in JSON on request (except the ones that
run in the foreground), and no edge reaches below the application layer."""

from __future__ import annotations

import typer.main

from cli.app import app

FOREGROUND = {"worker", "demo", "serve", "projections run"}


def commands() -> dict[str, list[str]]:
    root = typer.main.get_command(app)
    found: dict[str, list[str]] = {}

    def walk(group: object, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            path = f"{prefix} {name}".strip()
            if getattr(command, "commands", None):
                walk(command, path)
            else:
                found[path] = [o for p in command.params for o in getattr(p, "opts", [])]

    walk(root, "")
    return found


def test_every_command_answers_in_json_on_request() -> None:
    every = commands()
    assert len(every) > 35
    missing = sorted(path for path, options in every.items()
                     if path not in FOREGROUND and "--json" not in options)
    assert missing == []


def test_every_write_takes_an_idempotency_key() -> None:
    writes = ["plan open", "plan submit", "plan cancel", "candidate add", "candidate import",
              "candidate withdraw", "candidate correct", "conference record",
              "appraisal record", "approval decide", "congress open", "congress open-round",
              "congress nominate", "congress withdraw", "congress vote-list",
              "congress shortfall", "congress close", "congress import-ballots",
              "congress enter-ballots", "congress sign", "congress direct",
              "congress approve", "congress appoint"]
    every = commands()
    assert [w for w in writes if "--idempotency-key" not in every[w]] == []
