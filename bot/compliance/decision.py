"""The answer every compliance check returns (re-exported by outbound.py)."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str | None
    reason: str | None

    def as_dict(self) -> dict:
        """JSON-ready form, the body of POST /api/compliance/check and of audit entries."""
        return asdict(self)


ALLOW = Decision(True, None, None)
