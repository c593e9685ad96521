"""The work behind each command: domain rules applied to the store inside one unit of work."""
