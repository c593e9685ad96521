"""CNA tools (spec §7.3): the `CveTool` port in `interface`, merge guards in `guards`, one module per backend.

Nothing is imported here, so choosing an offline backend loads no HTTP client;
use `steward.cna.registry.create(name, ...)` to build one by its config name.
"""
