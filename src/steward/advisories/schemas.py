"""Offline validation of OSV and CSAF exports against the vendored schemas (data/osv-schema, data/csaf-2.0).

Every `$ref` resolves inside the vendored files through a `referencing`
registry that refuses retrieval, so validation never touches the network.
CSAF's references to FIRST's CVSS schemas are registered under the exact URIs
the CSAF schema names.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT4, DRAFT7, DRAFT202012

from steward.records.validate import SchemaError, errors_of

AdvisorySchema = Literal["osv", "csaf"]
OSV_SCHEMA_VERSION = "1.7.3"
_OSV = ("osv-schema", "schema.json")
_CSAF = ("csaf-2.0", "csaf_json_schema.json")
_CVSS = {
    "https://www.first.org/cvss/cvss-v2.0.json": ("csaf-2.0", "referenced", "cvss-v2.0.json"),
    "https://www.first.org/cvss/cvss-v3.0.json": ("csaf-2.0", "referenced", "cvss-v3.0.json"),
    "https://www.first.org/cvss/cvss-v3.1.json": ("csaf-2.0", "referenced", "cvss-v3.1.json"),
}
_SPECS = {"draft-04": DRAFT4, "draft-07": DRAFT7}


def _load(*parts: str) -> dict[str, Any]:
    node = resources.files("steward.data")
    for part in parts:
        node = node.joinpath(part)
    schema: dict[str, Any] = json.loads(node.read_text(encoding="utf-8"))
    return schema


def _no_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


def _cvss_resource(schema: dict[str, Any]) -> Resource[Any]:
    declared = str(schema.get("$schema", ""))
    spec = next((s for key, s in _SPECS.items() if key in declared), DRAFT7)
    return Resource.from_contents(schema, default_specification=spec)


@cache
def _validator(name: AdvisorySchema) -> Draft202012Validator:
    schema = _load(*(_OSV if name == "osv" else _CSAF))
    Draft202012Validator.check_schema(schema)
    registry: Registry[Any] = Registry(retrieve=_no_retrieval)  # type: ignore[call-arg]
    if name == "csaf":
        for uri, parts in _CVSS.items():
            registry = registry.with_resource(uri, _cvss_resource(_load(*parts)))
    registry = registry.with_resource(str(schema["$id"]), Resource.from_contents(schema, DRAFT202012))
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def validate_advisory(document: Any, schema: AdvisorySchema) -> list[SchemaError]:
    """Every schema error (JSON path, rule, message), sorted; empty when the document is valid."""
    return errors_of(_validator(schema), document)
