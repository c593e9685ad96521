"""Scoring the team's CVSS vectors (spec §11.4) into CVE `metrics[]` entries.

Only the vectors on Severity lines 2+ are scored; the rating on line 1 stays
the team's word, so a disagreement is a warning, never a rewrite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

METRIC_KEYS = {"3.1": "cvssV3_1", "4.0": "cvssV4_0"}
# Project scales that use other words for the CVSS bands.
_SYNONYMS = {"moderate": "medium", "important": "high"}


@dataclass(frozen=True)
class Score:
    version: str
    vector: str
    base_score: float
    base_severity: str

    @property
    def metric_key(self) -> str:
        return METRIC_KEYS[self.version]

    def metric(self) -> dict[str, Any]:
        """The `metrics[]` entry: `{cvssV3_1: {...}}` or `{cvssV4_0: {...}}`."""
        return {
            self.metric_key: {
                "version": self.version,
                "vectorString": self.vector,
                "baseScore": self.base_score,
                "baseSeverity": self.base_severity,
            }
        }


def score(version: str, vector: str) -> Score:
    """Score one vector; ValueError (one sentence, naming the vector) when the library rejects it."""
    try:
        if version == "3.1":
            v3 = CVSS3(vector)
            return Score("3.1", v3.clean_vector(), float(v3.base_score), str(v3.severities()[0]).upper())
        if version == "4.0":
            v4 = CVSS4(vector)
            return Score("4.0", v4.clean_vector(), float(v4.base_score), str(v4.severity).upper())
    except CVSSError as exc:
        raise ValueError(f"CVSS vector {vector!r} is invalid ({exc}); correct it on the Severity field.") from exc
    raise ValueError(f"CVSS version {version!r} is not supported; use a CVSS:3.1/ or CVSS:4.0/ vector.")


def rating_warning(rating: str | None, found: Score) -> str | None:
    """A warning when Severity line 1 disagrees with a vector's rating (case-insensitive, synonyms folded)."""
    if rating is None:
        return None
    mine = rating.casefold()
    theirs = found.base_severity.casefold()
    if _SYNONYMS.get(mine, mine) == theirs:
        return None
    return (
        f"Severity line 1 says {rating!r} but {found.vector} rates {found.base_severity} ({found.base_score}); "
        "check the rating or the vector."
    )


def score_all(rating: str | None, vectors: Sequence[tuple[str, str]]) -> tuple[list[Score], list[str], list[str]]:
    """(scores, errors, warnings) for the Severity field's vectors, in field order."""
    scores: list[Score] = []
    errors: list[str] = []
    warnings: list[str] = []
    for version, vector in vectors:
        try:
            found = score(version, vector)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        scores.append(found)
        warning = rating_warning(rating, found)
        if warning:
            warnings.append(warning)
    return scores, errors, warnings
