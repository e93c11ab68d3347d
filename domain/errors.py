"""The domain's one error root.

A rejected command names every field it found wrong and the rule each broke, so a user can
correct the input in one go, and nothing is recorded for it.
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Root of every error the domain raises."""


@dataclass(frozen=True, kw_only=True)
class Violation:
    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.rule}]"


class CommandRejected(DomainError):
    """The command breaks one or more rules; nothing was decided."""

    def __init__(self, violations: list[Violation] | tuple[Violation, ...]) -> None:
        if not violations:
            raise ValueError("CommandRejected needs at least one violation")
        self.violations = tuple(violations)
        super().__init__("; ".join(str(v) for v in self.violations))


class InvalidDefinition(DomainError):
    """A procedure definition (data file) is malformed."""


class Violations:
    """Collects violations while a command is checked, then raises them all at once."""

    def __init__(self) -> None:
        self._items: list[Violation] = []

    def add(self, field: str, rule: str, message: str) -> None:
        self._items.append(Violation(field=field, rule=rule, message=message))

    def check(self, condition: bool, field: str, rule: str, message: str) -> bool:
        if not condition:
            self.add(field, rule, message)
        return condition

    @property
    def items(self) -> tuple[Violation, ...]:
        """The violations found so far, in order."""
        return tuple(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            raise CommandRejected(self._items)
