"""Terminal and JSON output. Inbound text is printed with Rich markup and highlighting off."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def plain(text: str) -> None:
    """Print text that may come from outside (titles, bodies) with no markup interpretation."""
    out.print(text, markup=False, highlight=False)


def error_line(message: str) -> None:
    err.print(f"steward: {message}", markup=False, highlight=False)
