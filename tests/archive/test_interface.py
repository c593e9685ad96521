from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.archive.interface import ArchiveEntry, aware, check_cve_id, first_by_date, names_cve, split_list
from steward.archive.urls import search_link
from steward.errors import UsageError


def test_exact_id_never_a_prefix() -> None:
    assert names_cve("Fixes CVE-2026-1 in 2.4.1", "CVE-2026-1")
    assert names_cve("[ANNOUNCE] cve-2026-1: widget", "CVE-2026-1")
    assert not names_cve("Fixes CVE-2026-12", "CVE-2026-1")
    assert not names_cve("Fixes XCVE-2026-1", "CVE-2026-1")
    assert names_cve("(CVE-2026-1)", "CVE-2026-1")
    assert names_cve("CVE-2026-1.", "CVE-2026-1")


_SEPARATORS = st.text(alphabet=" .,:;()[]\n\t", max_size=5)


@given(st.integers(1, 10**7), st.text(alphabet="0123456789", min_size=1, max_size=4), _SEPARATORS, _SEPARATORS)
def test_longer_id_sharing_the_prefix_never_matches(number: int, digits: str, before: str, after: str) -> None:
    cve = f"CVE-2026-{number}"
    assert not names_cve(f"{before}{cve}{digits}{after}", cve)
    assert names_cve(f"{before}{cve}{after}", cve)


def test_bad_cve_id_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a CVE id"):
        check_cve_id("GHSA-xxxx")
    assert check_cve_id(" cve-2026-1234 ") == "CVE-2026-1234"


def _entry(when: datetime | None, mid: str) -> ArchiveEntry:
    return ArchiveEntry(mid, "s", "a@example.org", when, None, (), None, "l@example.org")


def test_first_by_date_puts_undated_last() -> None:
    early = _entry(datetime(2026, 1, 1, tzinfo=UTC), "<a@x>")
    late = _entry(datetime(2026, 2, 1, tzinfo=UTC), "<b@x>")
    assert first_by_date([_entry(None, "<c@x>"), late, early]) == early
    assert first_by_date([]) is None


def test_split_list_and_aware() -> None:
    assert split_list("Security@Widget.Example.Org") == ("Security", "widget.example.org")
    assert split_list("security", "widget.example.org") == ("security", "widget.example.org")
    with pytest.raises(UsageError, match=r"archive_system\.list_domain"):
        split_list("security")
    assert aware(datetime(2026, 1, 1)).tzinfo is UTC


def test_search_link_quotes_every_value() -> None:
    link = search_link(
        "https://lists.example.org/list?{list}:{year}-{month}:{query}",
        "security@widget.example.org",
        "path traversal/../x?y#z",
        datetime(2026, 3, 5, tzinfo=UTC),
    )
    assert link == "https://lists.example.org/list?security@widget.example.org:2026-3:path%20traversal%2F..%2Fx%3Fy%23z"
