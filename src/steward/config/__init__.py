"""`.steward/project.yml`: schema, organisation profiles, loading with file:line errors, checks (spec §13)."""

from __future__ import annotations

from steward.config.check import CheckReport, check_config
from steward.config.loader import LoadedConfig, find_config, load_config, resolved_items
from steward.config.model import ProjectConfig
from steward.config.patterns_for import patterns_for
from steward.config.template import render_project_yml

__all__ = [
    "CheckReport",
    "LoadedConfig",
    "ProjectConfig",
    "check_config",
    "find_config",
    "load_config",
    "patterns_for",
    "render_project_yml",
    "resolved_items",
]
