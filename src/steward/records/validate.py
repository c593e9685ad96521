"""Offline validation against the vendored CVE 5.1.1 schemas, with JSON paths a human can act on.

Every `$ref` resolves inside the vendored files (a `referencing` registry
with no retrieval), so validation never touches the network. `oneOf` and
`anyOf` failures are reported as their most specific branch errors, so a
bad version entry names its own path instead of the whole record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT7

SchemaName = Literal["record", "cna"]
SCHEMA_DIR = "cve-schema-5.1.1"
_FILES: dict[SchemaName, str] = {
    "record": "CVE_JSON_bundled_5.1.1.json",
    "cna": "CVE_JSON_cnaPublishedContainer_5.1.1.json",
}
_LOCAL_BASE = "urn:steward:cve-schema-5.1.1:"


@dataclass(frozen=True, order=True)
class SchemaError:
    """`path` like `$.containers.cna.affected[0].versions[1]`; `rule` the failing keyword, e.g. `required`."""

    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}: {self.message}"


def _load(name: SchemaName) -> dict[str, Any]:
    text = resources.files("steward.data").joinpath(SCHEMA_DIR, _FILES[name]).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _no_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


@cache
def _validator(name: SchemaName) -> Draft7Validator:
    schema = _load(name)
    uri = str(schema.get("$id") or _LOCAL_BASE + _FILES[name])
    resource = Resource.from_contents(schema, default_specification=DRAFT7)
    registry: Registry[Any] = Registry(retrieve=_no_retrieval).with_resource(uri, resource)  # type: ignore[call-arg]
    if name == "record":
        # The bundled schema is oneOf(Published, Rejected); steward only writes Published records.
        root: dict[str, Any] = {"$ref": uri + "#/oneOf/0"}
    else:
        root = {"$ref": uri}
    Draft7Validator.check_schema(schema)
    return Draft7Validator(root, registry=registry)


def json_path(parts: Iterable[str | int]) -> str:
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return out


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """The most specific errors: for oneOf/anyOf, the deepest branch errors, else the error itself."""
    if not error.context:
        yield error
        return
    depth = max(len(e.absolute_path) for e in error.context)
    if depth <= len(error.absolute_path):
        yield error
        return
    for sub in error.context:
        if len(sub.absolute_path) == depth:
            yield from _leaves(sub)


def _message(error: ValidationError) -> str:
    text = str(error.message)
    return text if len(text) <= 300 else text[:297] + "..."


def errors_of(validator: Validator, document: Any) -> list[SchemaError]:
    """Every schema error of `document`, de-duplicated and sorted by path: shared by every vendored schema."""
    found: set[SchemaError] = set()
    for error in validator.iter_errors(document):
        for leaf in _leaves(error):
            found.add(SchemaError(json_path(leaf.absolute_path), str(leaf.validator), _message(leaf)))
    return sorted(found)


def validate_record(record: Any, schema: SchemaName = "record") -> list[SchemaError]:
    """Every schema error, de-duplicated and sorted by path; empty when the record is valid."""
    return errors_of(_validator(schema), record)


def validate_file(path: str | Path, schema: SchemaName = "record") -> list[SchemaError]:
    """Validate a JSON file; ValueError (naming the file and position) when it is not JSON."""
    target = Path(path)
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"{target} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); fix the file."
        ) from exc
    return validate_record(data, schema)
