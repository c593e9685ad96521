"""§8.8 publication check for closed trackers: cve.org's `cveMetadata.state`, read during fact gathering.

`PUBLISHED` ⇒ draft `cve-published` once: the item's rollup line records it, and a recorded publication is
neither checked nor proposed again. `REJECTED` ⇒ a blocker note; no record yet ⇒ wait; an error ⇒ a note, and
the next run asks again.
"""

from __future__ import annotations

from steward.sync.context import SyncContext
from steward.sync.facts import TrackerFacts
from steward.sync.items import Change, SyncItem, item_key
from steward.sync.network_facts import publication_recorded, published_line

RULE = "S21"
TEMPLATE = "cve-published"


def s21_cve_published(facts: TrackerFacts, ctx: SyncContext) -> SyncItem | None:
    checked, cve = facts.cve_org, facts.cve_id
    if checked is None or cve is None or checked.outcome != "draft-cve-published":
        return None
    if publication_recorded(facts.rollup, cve):
        return None
    return SyncItem(
        facts.number,
        RULE,
        item_key(facts.number, RULE, f"{TEMPLATE}:{cve}"),
        f"cve.org lists {cve} as PUBLISHED: draft {TEMPLATE} to the reporter",
        False,
        Change(draft=TEMPLATE, notes=(published_line(cve),)),
    )


def cve_org_notes(facts: TrackerFacts, ctx: SyncContext) -> list[str]:
    checked, cve = facts.cve_org, facts.cve_id
    if checked is None or cve is None:
        return []
    if checked.outcome == "blocker":
        return [
            f"blocker: cve.org lists {cve} as REJECTED although the tracker closed as announced; "
            "check the record with the CNA before telling the reporter"
        ]
    if checked.outcome == "retry":
        return [f"cve.org check of {cve} failed ({checked.error}); sync asks again on its next run"]
    if checked.outcome == "wait":
        return [f"cve.org has no public record of {cve} yet; sync checks again on its next run"]
    return []
