"""§5.4's optional full-text prefilter: narrows only the fuzzy comparison, never hides an exact-id duplicate."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sample_project import sample_config

from steward.app import open_app
from steward.config.model import ProjectConfig
from steward.config.patterns_for import patterns_for
from steward.demo.build import build_demo
from steward.demo.inbox import write_inbox
from steward.intake.signals import KnownTracker
from steward.services.import_mail import gather
from steward.services.import_window import choose_window, source_for
from steward.services.tracker_prefilter import prefilter

PATTERNS = patterns_for(ProjectConfig.model_validate(sample_config()))  # <upstream> = example/widget
TRACKERS = [
    KnownTracker(1, "Sandbox escape through format", ghsa_ids=("GHSA-2c3f-4g5h-6j7m",)),
    KnownTracker(2, "Lexer denial of service", cve_id="CVE-2099-10001"),
    KnownTracker(3, "Cache files world-readable", pr_numbers=(321,)),
    KnownTracker(4, "Autoescape gap in macros"),
]


class _Reader:
    def __init__(self, ranked: list[int] | None) -> None:
        self.ranked = ranked
        self.asked: list[Sequence[str]] = []

    def prefilter_trackers(self, terms: Sequence[str], limit: int = 50) -> list[int] | None:
        self.asked.append(terms)
        return self.ranked


def _narrow(ranked: list[int] | None) -> tuple[Any, _Reader]:
    reader = _Reader(ranked)
    return prefilter(reader, TRACKERS, PATTERNS), reader  # type: ignore[arg-type]


def test_no_index_means_every_tracker() -> None:
    narrow, _ = _narrow(None)
    assert narrow("Anything", "text") == TRACKERS


def test_ranked_trackers_are_kept_and_the_rest_dropped() -> None:
    narrow, reader = _narrow([4])
    assert [t.number for t in narrow("Autoescape gap in macro call blocks", "no ids here")] == [4]
    assert "autoescape" in reader.asked[0]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("see GHSA-2c3f-4g5h-6j7m", 1),
        ("this is CVE-2099-10001 again", 2),
        ("the fix in https://github.com/example/widget/pull/321 is incomplete", 3),
    ],
)
def test_a_tracker_sharing_an_exact_id_is_never_ranked_out(text: str, kept: int) -> None:
    narrow, _ = _narrow([])
    assert [t.number for t in narrow("Unrelated words", text)] == [kept]


def test_prefiltered_import_keeps_every_strong_duplicate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEWARD_IDENTITY", "alex")
    monkeypatch.delenv("STEWARD_DATABASE_URL", raising=False)
    root = build_demo(tmp_path / "demo", identity="alex", with_inbox=False)
    write_inbox(root / ".steward" / "inbox")
    config = root / ".steward" / "project.yml"

    def dups(fts: bool) -> dict[str, set[tuple[int, str, str]]]:
        text = config.read_text(encoding="utf-8").replace("\nintake:\n  fts_prefilter: true\n", "\n")
        config.write_text(text + ("\nintake:\n  fts_prefilter: true\n" if fts else ""), encoding="utf-8")
        app = open_app(config, env={"STEWARD_IDENTITY": "alex"})
        try:
            label, source = source_for(app, None)
            found = gather(app, source, label, choose_window(app))
        finally:
            app.store.close()
        return {p.key: {(d.tracker, d.signal, d.strength.value) for d in p.candidate.duplicates} for p in found.items}

    full, narrowed = dups(False), dups(True)
    assert full.keys() == narrowed.keys()
    for key, found in full.items():
        assert narrowed[key] <= found
        assert {d for d in found if d[2] == "STRONG"} <= narrowed[key]
    assert any(full.values()), "the demo inbox has duplicates to compare"
