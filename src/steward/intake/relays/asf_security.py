"""The `asf-security` forwarder adapter (spec §5.8): shipped, question mode on.

The ASF security team relays reports to a PMC with a fixed preamble.

Data only: the patterns live in defaults.yml under `forwarders.asf_security.*` and every one is overridable.
"""

from __future__ import annotations

from steward.intake.relays.base import AdapterSpec

SPEC = AdapterSpec(name="asf-security", key="asf_security", question_mode=True, shipped=True)
