"""The one way the command line writes for people: data is never read as markup.

Both consoles are made with markup, emoji codes and highlighting off, so a reason containing
``[/]``, a finding's ``[disqualifying]`` or a name with ``[link=…]`` prints exactly as typed
and can never break or restyle the output. Styles are applied only to whole pieces given with
a style (``("Đạt", "green")``), never parsed out of text. Control characters in data (escape
sequences that would drive the terminal, NUL, bell) are shown as visible ``\\xNN`` codes.
Machine output (``--json``) goes to stdout untouched by any of this."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

Piece = str | tuple[str, str] | Text

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _make(stderr: bool) -> Console:
    console = Console(stderr=stderr, markup=False, emoji=False, highlight=False,
                      soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Written to a file or a pipe: wide enough that a plan's table keeps names whole.
        console.width = 160
    return console


out = _make(stderr=False)
err = _make(stderr=True)


def clean(text: object) -> str:
    """Data as a terminal may show it: control and direction-override characters made
    visible; line breaks and tabs kept."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def text(*pieces: Piece) -> Text:
    """A line from pieces: plain strings, or (string, style) pairs; every string is data."""
    line = Text()
    for piece in pieces:
        if isinstance(piece, Text):
            line.append_text(piece)
        elif isinstance(piece, tuple):
            line.append(clean(piece[0]), style=piece[1])
        else:
            line.append(clean(piece))
    return line


def say(*pieces: Piece, stderr: bool = False) -> None:
    # A line of prose is not folded at a fixed width: the terminal wraps it, and a command
    # printed for copying stays on one line.
    (err if stderr else out).print(text(*pieces), soft_wrap=True)


def note(*pieces: Piece) -> None:
    """For the person at the terminal, not for a script reading stdout."""
    say(*pieces, stderr=True)


def table(title: str, columns: Sequence[str | tuple[str, dict[str, Any]]],
          rows: Iterable[Sequence[Piece]]) -> Table:
    """A table whose cells are data. A column given as (name, options) takes rich column
    options; ids should be given ``{"overflow": "fold"}`` so they wrap, never truncate."""
    grid = Table(title=clean(title), title_justify="left")
    for column in columns:
        if isinstance(column, tuple):
            name, options = column
            grid.add_column(clean(name), **options)
        else:
            grid.add_column(clean(column), overflow="fold")
    for row in rows:
        grid.add_row(*(text(cell) for cell in row))
    return grid


def show(renderable: Any, *, stderr: bool = False) -> None:
    (err if stderr else out).print(renderable)


def emit_json(data: Any) -> None:
    """Machine output: one JSON document on stdout, Vietnamese kept as is."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


ID_COLUMN: dict[str, Any] = {"overflow": "fold", "min_width": 8}
