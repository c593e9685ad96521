"""The `steward` command line: thin Typer commands over the services."""
