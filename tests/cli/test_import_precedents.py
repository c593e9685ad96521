"""§5.5 through `import mail`: ledger and mail-source rejection precedents on new candidates (fictional mail)."""

from __future__ import annotations

from pathlib import Path

import test_import_mail as base  # type: ignore[import-not-found]  # a sibling test module, on sys.path via pytest
import test_import_threads_and_bundles as mail  # type: ignore[import-not-found]

from steward.demo.inbox import ROSTER_MAIL

Run = base.Run
template = base.template
demo = base.demo


def _candidate(data: dict[str, object], mid: str) -> dict[str, object]:
    return next(c for c in data["candidates"] if c["message_id"] == mid)  # type: ignore[attr-defined, index]


def test_new_report_from_a_rejected_sender_cites_the_ledger(demo: Path, run: Run) -> None:
    data = base.proposal(run)
    assert run("import", "mail", "--apply", str(base.numbered(data, "m01"))).code == 0  # val@ is rejected
    mail._drop(
        demo,
        "1800000010.val-again.example",
        mail._mail(
            "<val-again@mail.example.net>",
            "Filter chain lets a template call private helpers",
            "Val Fictional <val@mail.example.net>",
            "A filter chain in quillwort/filters.py reaches private helpers.\nSteps to reproduce: chain two filters.",
        ),
    )
    item = _candidate(base.proposal(run), "<val-again@mail.example.net>")
    [line] = item["precedents"]  # type: ignore[misc]
    assert line.startswith("prior rejection in the ledger on ") and line.endswith("same reporter)")
    text = run("import", "mail")
    assert "precedent: prior rejection in the ledger" in text.out


def test_a_team_rejection_reply_in_the_mailbox_is_a_precedent(demo: Path, run: Run) -> None:
    root = mail._mail(
        "<kit-old@mail.example.net>",
        "Sandbox allows reading environment variables",
        "Kit Fictional <kit@mail.example.net>",
        "The sandbox exposes os.environ through a filter.",
    )
    reply = mail._mail(
        "<kit-old-reply@quillwort.example.org>",
        "Re: Sandbox allows reading environment variables",
        f"Robin Example <{ROSTER_MAIL}>",
        "Thanks, but this is not a security issue: the environment is outside the security model.",
        reply_to="<kit-old@mail.example.net>",
    )
    reply.replace_header("To", "kit@mail.example.net")
    fresh = mail._mail(
        "<kit-new@mail.example.net>",
        "Environment variables readable from templates",
        "Kit Fictional <kit@mail.example.net>",
        "Templates can read environment variables via quillwort/sandbox.py.",
    )
    for name, message in (("a", root), ("b", reply), ("c", fresh)):
        mail._drop(demo, f"18000000{name}.kit.example", message)
    item = _candidate(base.proposal(run), "<kit-new@mail.example.net>")
    assert any(
        p.startswith("team rejection reply on ") and p.endswith("in mail (same reporter)")
        for p in item["precedents"]  # type: ignore[attr-defined]
    ), item["precedents"]
