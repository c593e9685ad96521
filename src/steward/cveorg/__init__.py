"""The public cve.org record lookup that the §8.8 publication check of closed trackers reads."""

from steward.cveorg.client import CveOrgClient, CveOrgError, CveState, Outcome, check, outcome

__all__ = ["CveOrgClient", "CveOrgError", "CveState", "Outcome", "check", "outcome"]
