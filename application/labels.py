"""The label catalogue for the edges: the Vietnamese words for every code, and the Vietnamese
way of writing numbers, shares, days and moments. One catalogue (``domain/vocabulary.py``) for
the command line, the HTTP API's messages and the web interface."""

from __future__ import annotations

from domain.vocabulary import (
    CATALOGUE,
    VIETNAM,
    day,
    label,
    moment,
    number,
    percent,
    person,
)

__all__ = ["CATALOGUE", "VIETNAM", "day", "label", "moment", "number", "percent", "person"]
