"""The optional full-text prefilter of §5.4 (`intake.fts_prefilter`): compare a candidate with the 50
best-ranked trackers instead of every one.

Only the fuzzy signals are narrowed. A tracker sharing an exact id with the candidate (GHSA, CVE, a fix PR's
number) is always kept, so a STRONG duplicate can never be ranked out; and a store without a full-text
index answers None, which means "compare with every tracker", never "no match".
"""

from __future__ import annotations

from collections.abc import Callable

from steward import ids
from steward.intake.signals import KnownTracker, KnownTrackers, code_pointers, subject_keywords, upstream_pr_numbers
from steward.patterns import PatternSet
from steward.store import Reader

PREFILTER_LIMIT = 50


def prefilter(
    reader: Reader, trackers: KnownTrackers, patterns: PatternSet, prefixes: tuple[str, ...] = ()
) -> Callable[[str, str], KnownTrackers]:
    """`narrow(subject, text)` for `build_candidate`, reading the store's full-text index."""

    def narrow(subject: str, text: str) -> KnownTrackers:
        terms = [*subject_keywords(subject, patterns, prefixes), *code_pointers(text, patterns)]
        ranked = reader.prefilter_trackers(terms, PREFILTER_LIMIT)
        if ranked is None:
            return trackers
        keep = set(ranked)
        return [t for t in trackers if t.number in keep or _shares_an_id(t, text, patterns)]

    return narrow


def _shares_an_id(tracker: KnownTracker, text: str, patterns: PatternSet) -> bool:
    if tracker.ghsa_ids and {g.casefold() for g in ids.ghsa_ids(text)} & {g.casefold() for g in tracker.ghsa_ids}:
        return True
    if tracker.cve_id and tracker.cve_id.upper() in {c.upper() for c in ids.cves_in_text(text)}:
        return True
    return bool(tracker.pr_numbers and set(tracker.pr_numbers) & set(upstream_pr_numbers(text, patterns)))
