"""`steward pii add TYPE VALUE`: an operator lists a name, handle or address for redaction (spec §10.4).

E, P and IP values are found in text automatically, so listing them by hand would only add a second, divergent
way in; the command takes the three types that need a person's judgement. The audit event names the id and type
only: a digest of the value itself could be confirmed by guessing, which is what the keyed id exists to prevent.
"""

from __future__ import annotations

from dataclasses import dataclass

from steward.app import App
from steward.errors import OperationFailed, UsageError
from steward.intake.pii import ID_PATTERN, OPERATOR_CODES, Code, normalise_value, pii_id

AUTOMATIC_CODES = frozenset({"E", "P", "IP"})
MAX_VALUE_CHARS = 500


@dataclass(frozen=True)
class PiiAdded:
    id: str
    type: str
    written: bool
    """False when the mapping already held this value (nothing was written)."""


def _code(raw: str) -> Code:
    code = raw.strip().upper()
    if code in AUTOMATIC_CODES:
        raise UsageError(
            f"TYPE {code} is found automatically in every stored text (spec §10.4); `steward pii add` takes only "
            "N (name), H (handle) or A (postal address)."
        )
    if code == "N":
        return "N"
    if code == "H":
        return "H"
    if code == "A":
        return "A"
    raise UsageError(f"TYPE {raw!r} is not a PII type; use N (name), H (handle) or A (postal address).")


def _value(raw: str) -> str:
    value = " ".join(raw.split())
    if not value:
        raise UsageError("VALUE is empty; give the name, handle or address to redact, quoted if it has spaces.")
    if len(value) > MAX_VALUE_CHARS:
        raise UsageError(f"VALUE is longer than {MAX_VALUE_CHARS} characters; list one name, handle or address.")
    if ID_PATTERN.fullmatch(value):
        raise UsageError(f"VALUE {value} is already a PII id; give the value it stands for instead.")
    return value


def add_pii(app: App, type_: str, raw_value: str) -> PiiAdded:
    """Store VALUE under its keyed id; the same value again writes nothing; another value on that id is exit 1."""
    code = _code(type_)
    assert code in OPERATOR_CODES
    value = _value(raw_value)
    app.member()
    with app.store.transaction(app.slug, actor=app.identity, command="pii add") as tx:
        ident = pii_id(code, value, tx.get_secret())
        found = tx.get_pii(ident)
        if found is not None:
            if found.type == code and normalise_value(found.value) == normalise_value(value):
                return PiiAdded(ident, code, written=False)
            raise OperationFailed(
                f"PII id {ident} of project {app.slug} already stands for a different value; two values with one "
                "id cannot be told apart, so redact this value by hand and report the collision."
            )
        tx.add_pii(ident, code, value)
        tx.audit(None, f"pii:{ident}:add", None, {"id": ident, "type": code})
    return PiiAdded(ident, code, written=True)
