"""What `nhansu status`-like commands report about a backing service."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    # None: an external server, which status does not probe.
    running: bool | None
    # False when settings point at an external server that this project does not manage.
    embedded: bool = True
    pid: int | None = None
    address: str | None = None
    data: str | None = None
    log: str | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
