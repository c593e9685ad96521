"""CVSS scoring for metrics[] (spec §11.4)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.records.cvss_scores import Score, rating_warning, score, score_all

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def test_scores() -> None:
    assert score("3.1", V31) == Score("3.1", V31, 9.8, "CRITICAL")
    assert score("4.0", V40) == Score("4.0", V40, 9.3, "CRITICAL")
    assert score("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").base_severity == "NONE"


def test_metric_shape() -> None:
    assert score("3.1", V31).metric() == {
        "cvssV3_1": {"version": "3.1", "vectorString": V31, "baseScore": 9.8, "baseSeverity": "CRITICAL"}
    }
    assert list(score("4.0", V40).metric()) == ["cvssV4_0"]


@pytest.mark.parametrize("vector", ["CVSS:3.1/AV:N/AC:L", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"])
def test_invalid_vector_names_itself(vector: str) -> None:
    with pytest.raises(ValueError, match="is invalid"):
        score("3.1", vector)


def test_unsupported_version() -> None:
    with pytest.raises(ValueError, match="not supported"):
        score("2.0", "AV:N/AC:L/Au:N/C:P/I:P/A:P")


@pytest.mark.parametrize(
    ("rating", "warns"),
    [("critical", False), ("Critical", False), ("high", True), (None, False)],
)
def test_rating_warning(rating: str | None, warns: bool) -> None:
    assert (rating_warning(rating, score("3.1", V31)) is not None) == warns


def test_synonyms() -> None:
    medium = score("3.1", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N")
    assert rating_warning("moderate", medium) is None
    assert rating_warning("important", medium) is not None


def test_score_all_collects() -> None:
    scores, errors, warnings = score_all("low", [("3.1", V31), ("3.1", "CVSS:3.1/AV:N"), ("4.0", V40)])
    assert [s.version for s in scores] == ["3.1", "4.0"]
    assert len(errors) == 1
    assert len(warnings) == 2


_METRIC = {
    "AV": "NALP",
    "AC": "LH",
    "PR": "NLH",
    "UI": "NR",
    "S": "UC",
    "C": "NLH",
    "I": "NLH",
    "A": "NLH",
}


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in _METRIC.items()}))
def test_every_v31_base_vector_scores_in_range(choice: dict[str, str]) -> None:
    vector = "CVSS:3.1/" + "/".join(f"{k}:{v}" for k, v in choice.items())
    found = score("3.1", vector)
    assert 0.0 <= found.base_score <= 10.0
    assert found.base_severity in {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
    assert (found.base_score == 0.0) == (found.base_severity == "NONE")
