"""The fictional `widget` project configuration that unit tests build their ProjectConfig from (one copy)."""

from __future__ import annotations

import copy
from typing import Any

SAMPLE: dict[str, Any] = {
    "project": "widget",
    "product": {
        "name": "Example Widget",
        "short_name": "Widget",
        "vendor": "Example",
        "package_name": "example-widget",
    },
    "governance": {"escalation_contact": "escalation@widget.example.org"},
    "security_inbox": {"address": "security@widget.example.org"},
    "mail_provider": {"source_uri": "maildir:.steward/inbox"},
    "lists": {
        "users": "users@widget.example.org",
        "announce": "announce@widget.example.org",
        "dev": "dev@widget.example.org",
        "private": "private@widget.example.org",
    },
    "tracker": {"upstream_repo": "example/widget"},
}


def sample_config(**sections: Any) -> dict[str, Any]:
    """SAMPLE with `sections` merged in: a dict extends the sample's block key by key, anything else replaces it."""
    data = copy.deepcopy(SAMPLE)
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(name), dict):
            data[name].update(value)
        else:
            data[name] = value
    return data
