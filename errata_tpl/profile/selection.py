"""Which builds may enter a profile: security only, published by a day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Selection:
    """Which builds may enter the profile (Katello's filters, made explicit)."""

    security_only: bool = False
    min_severity: str | None = None
    until: str | None = None  # YYYY-MM-DD, inclusive
    date_field: str = "issued"  # issued | updated | buildtime

    def active(self) -> bool:
        return self.security_only or self.until is not None

    def options(self) -> str:
        """The options that made this selection, as typed: for messages."""
        said = ["--security-only"] if self.security_only else []
        said += [f"--min-severity {self.min_severity}"] if self.min_severity else []
        return " ".join(said + ([f"--until {self.until}"] if self.until is not None else []))

    def rule(self, have_updateinfo: bool, undated: Iterable[str] = ()) -> dict[str, object]:
        """The rule as recorded in the profile header; ``undated``: the advisories
        (of builds considered) without a readable date, whose builds count as undated."""
        out: dict[str, object] = {}
        if self.security_only:
            out["security_only"] = True
            if self.min_severity:
                out["min_severity"] = self.min_severity
        if self.until is not None:
            out["until"] = self.until
            field = self.date_field if have_updateinfo else "buildtime"
            out["date"] = field
            if field != "buildtime":
                out["undated"] = "buildtime"  # builds no dated advisory covers
                if undated:
                    out["undated_advisories"] = sorted(set(undated))
        return out
