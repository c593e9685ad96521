"""steward: a project's security-report handling, from the private list to the published CVE."""

__version__ = "0.1.0"
