"""Intake of inbound mail (spec §5): hostile-mail parsing, mail sources, body sanitisation and safe display.

Everything a message carries is data (§10.5): it is parsed with size limits, never evaluated, and cleaned
before it reaches a tracker (§5.11) or a terminal.
"""
