"""Records generated + validated per second over 1,000 varied trackers, beside schema validation alone.

Run: `.venv/bin/python benchmarks/cve_json.py [N]`. In-process, single-threaded; the trackers come from the
test corpus (tests/records/corpus.py) with the CVE id, title and fix version varied per tracker.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "records"))

from corpus import CASES, Case

from steward.domain.roles import Field
from steward.records.cve_json import generate
from steward.records.inputs import RecordInput, RecordSettings
from steward.records.validate import validate_record


def trackers(count: int) -> list[tuple[RecordInput, RecordSettings]]:
    out: list[tuple[RecordInput, RecordSettings]] = []
    for index in range(count):
        base: Case = CASES[index % len(CASES)]
        number = 10001 + index
        fields = dict(base.fields)
        fields[Field.CVE_TOOL_LINK] = f"CVE-2099-{number}"
        if base.raw_body is None and Field.AFFECTED_VERSIONS not in base.fields:
            fields[Field.AFFECTED_VERSIONS] = f"`>= 2.{index % 7}, < 2.{index % 7}.{index % 13 + 1}`"
        title = None if base.title is None else f"{base.title} ({index})"
        varied = dataclasses.replace(base, fields=fields, title=title)
        out.append((varied.record_input(), varied.config))
    return out


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    inputs = trackers(count)
    for r, s in inputs[: len(CASES)]:
        generate(r, s)  # warm caches: schemas, patterns, CWE index

    start = time.perf_counter()
    generated = [generate(r, s) for r, s in inputs]
    gen_seconds = time.perf_counter() - start

    records = [g.record for g in generated]
    start = time.perf_counter()
    for record in records:
        validate_record(record)
    val_seconds = time.perf_counter() - start

    gen_rate = count / gen_seconds
    val_rate = count / val_seconds
    ready = sum(g.state == "review-ready" for g in generated)
    rows = [
        ("generate + validate", count, gen_seconds, gen_rate),
        ("schema validation alone", count, val_seconds, val_rate),
    ]
    print(f"{'measure':<26} {'records':>8} {'seconds':>9} {'records/s':>10}")
    for name, n, seconds, rate in rows:
        print(f"{name:<26} {n:>8} {seconds:>9.3f} {rate:>10.1f}")
    print(f"ratio validation-alone / generate+validate: {val_rate / gen_rate:.2f}x")
    print(f"({ready} of {count} records review-ready; {len(CASES)} corpus shapes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
