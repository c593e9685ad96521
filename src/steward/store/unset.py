"""The "leave unchanged" marker of `update_*` calls, where None is a value (it clears a field)."""

from __future__ import annotations

from enum import Enum
from typing import Final


class _Unset(Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET
"""Marks an `update_*` argument as "leave unchanged" (None is a value: it clears)."""
