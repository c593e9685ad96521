"""Reporter communication (spec §9): canned texts, reply drafts and the draft sink; steward never sends mail."""
