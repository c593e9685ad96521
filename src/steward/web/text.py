"""What every rendered value passes through before Jinja2 escapes it (spec §5.11 step 6, §10.5).

Stored text includes inbound mail: it may carry C0/C1 controls, ANSI sequences or bidi overrides that reorder
what a reader sees. Installing `clean` as the environment's `finalize` hook means no template can forget it.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from steward.intake.display import safe_terminal


def clean(value: Any) -> Any:
    """Strings lose `render.strip_controls` (and bidi controls); trusted Markup and non-strings pass unchanged."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return safe_terminal(value)
