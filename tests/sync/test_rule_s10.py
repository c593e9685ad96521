"""S10 table: a private scanner on the thread plus a personal credit without public-credit evidence ⇒ `anonymous`
and the scanner's name out of the summary; None when already right."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sync_rule_support import Maker, comment, make_ctx

from steward.domain.roles import Field
from steward.sync.context import SyncContext
from steward.sync.rules.s09_reporter_credit import FOLLOW_UP
from steward.sync.rules.s10_scanner_credit import s10_scanner_credit, strip_names

SCANNER = "ScanCo Sentinel"
REPORT = f"Found by {SCANNER} during an audit."
SUMMARY = "Example Widget before 2.1.0 lets an authenticated user read files, found by ScanCo Sentinel."


@pytest.fixture(scope="module")
def sctx() -> SyncContext:
    return make_ctx(credits={"private_scanner_products": [SCANNER]})


def facts(ctx: SyncContext, credit: str, description: str = REPORT, summary: str | None = None, **kw: Any) -> Any:
    fields = {Field.ISSUE_DESCRIPTION: description, Field.REPORTER_CREDIT: credit}
    if summary:
        fields[Field.PUBLIC_SUMMARY] = summary
    return Maker(ctx)(fields=fields, **kw)


EVIDENCE = comment("alex", f"{FOLLOW_UP}\n\nFrom Jo Example (2031-05-01):\n\nPlease credit me as Jo Example.")
CASES = [
    ("personal credit ⇒ anonymous", {"credit": "Jo Example"}, {Field.REPORTER_CREDIT: "anonymous"}),
    ("and the summary loses the name", {"credit": "Jo Example", "summary": SUMMARY},
     {Field.REPORTER_CREDIT: "anonymous", Field.PUBLIC_SUMMARY: SUMMARY.replace(" ScanCo Sentinel", "")}),
    ("already anonymous", {"credit": "anonymous"}, None),
    ("anonymous, summary names it", {"credit": "anonymous", "summary": SUMMARY},
     {Field.PUBLIC_SUMMARY: SUMMARY.replace(" ScanCo Sentinel", "")}),
    ("no scanner on the thread", {"credit": "Jo Example", "description": "Found while reading code."}, None),
    ("the scanner itself is credited", {"credit": SCANNER}, None),
    ("public-credit evidence in a reply", {"credit": "Jo Example", "comments": [EVIDENCE]}, None),
    ("a self-named report", {"credit": "Jo Example", "description": f"{REPORT} Regards, Jo Example"}, None),
    ("closed tracker", {"credit": "Jo Example", "closed": "completed"}, None),
]  # fmt: skip


@pytest.mark.parametrize(("shape", "expected"), [pytest.param(s, e, id=n) for n, s, e in CASES])
def test_s10(sctx: SyncContext, shape: dict[str, Any], expected: dict[Field, str] | None) -> None:
    item = s10_scanner_credit(facts(sctx, **shape), sctx)
    if expected is None:
        assert item is None
        return
    assert item is not None and item.cve_affecting and item.change.regenerate_block
    assert dict(item.change.fields) == expected


def test_no_scanners_configured_proposes_nothing() -> None:
    ctx = make_ctx()
    assert s10_scanner_credit(facts(ctx, "Jo Example"), ctx) is None


@given(st.text(max_size=200))
def test_strip_names_is_idempotent(text: str) -> None:
    stripped = strip_names(f"{text} ScanCo Sentinel {text}", [SCANNER])
    assert strip_names(stripped, [SCANNER]) == stripped
