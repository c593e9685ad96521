"""The CodeHost port (design §3): read-only facts about public pull requests on `<upstream>`."""
