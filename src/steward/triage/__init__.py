"""Triage, dedupe, invalidation and scope split (spec §6) as pure rules over plain data.

The commands gather comments, labels and fields from the store or the code host;
these modules only decide: quorum, the proposal text, hard stops and blockers,
the field merge and the split plan.
"""
