"""`steward sync` (spec §8): facts gathered read-only, pure rules, a numbered proposal, then apply."""
