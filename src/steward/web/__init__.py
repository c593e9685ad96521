"""The private web UI and the static dashboard (design §2 `web/`): read-only views of the store, loopback only."""
