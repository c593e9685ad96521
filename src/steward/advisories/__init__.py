"""Advisories of spec §11.5 (e-mail, SPEC 11 announcement, OSV, CSAF 2.0), all derived from the CVE record."""

from steward.advisories.facts import AdvisoryContext
from steward.advisories.render import FORMATS, AdvisoryFormat, Rendered, render_advisory, scrub_check

__all__ = ["FORMATS", "AdvisoryContext", "AdvisoryFormat", "Rendered", "render_advisory", "scrub_check"]
