"""The `hackerone` forwarder adapter (spec §5.8): specified, not shipped.

It encodes the best-known mail shape of the platform; its test fixtures are synthetic and labelled so.

Data only: the patterns live in defaults.yml under `forwarders.hackerone.*` and every one is overridable.
"""

from __future__ import annotations

from steward.intake.relays.base import AdapterSpec

SPEC = AdapterSpec(name="hackerone", key="hackerone", question_mode=False, shipped=False)
