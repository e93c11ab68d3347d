"""Values people type on a command line or into a form: times (Vietnam time unless a zone is
written), days, and the codes of choices, each refused with the field and the rule."""

from __future__ import annotations

from datetime import date, datetime

from application.errors import Rejected
from domain.errors import Violation
from domain.vocabulary import VIETNAM


def _refuse(field: str, rule: str, message: str) -> Rejected:
    return Rejected((Violation(field=field, rule=rule, message=message),))


def parse_moment(text: str, field: str = "--as-of") -> datetime:
    """ISO time; without an offset it is Vietnam time (UTC+07:00), as people mean it."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _refuse(field, "iso_time",
                      f"«{text}» không phải thời điểm; viết ví dụ 2025-05-07T17:00 (giờ Việt "
                      f"Nam) hoặc 2025-05-07T10:00+00:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)


def parse_day(text: str, field: str = "--as-of-date") -> date:
    """A day written dd/mm/yyyy or YYYY-MM-DD."""
    value = text.strip()
    try:
        if "/" in value:
            d, m, y = (int(part) for part in value.split("/"))
            return date(y, m, d)
        return date.fromisoformat(value)
    except ValueError:
        raise _refuse(field, "date", f"«{text}» không phải ngày; viết ví dụ 05/05/2025 hoặc "
                                     f"2025-05-05") from None


def parse_choice(text: str, field: str, choices: dict[str, str], what: str, *,
                 aliases: dict[str, str] | None = None) -> str:
    """A code, its Vietnamese label, or one of ``aliases`` (written form -> code), among
    ``choices`` (code -> label)."""
    wanted = " ".join(text.strip().casefold().split())
    for code, label in choices.items():
        if wanted in (code.casefold(), label.casefold()):
            return code
    for written, code in (aliases or {}).items():
        if wanted == " ".join(written.casefold().split()):
            return code
    listed = "; ".join(f"{code} ({label})" for code, label in choices.items())
    raise _refuse(field, "one_of", f"«{text}» không phải {what}; chọn một trong: {listed}")


GROUP_ALIASES = {"tái cử": "incumbent", "lần đầu": "first_time", "lần đầu tham gia": "first_time",
                 "first-time": "first_time", "tai cu": "incumbent", "lan dau": "first_time"}
