"""Offline CVE 5.1.1 schema validation with JSON paths."""

from __future__ import annotations

import copy
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from corpus import SETTINGS, case
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.records.cve_json import generate
from steward.records.validate import SchemaError, json_path, validate_file, validate_record


def good() -> dict[str, Any]:
    return generate(case("complete").record_input(), SETTINGS["py"]).record


def test_good_record_and_its_cna_container_validate() -> None:
    record = good()
    assert validate_record(record) == []
    assert validate_record(record["containers"]["cna"], "cna") == []


def test_paths_point_at_the_broken_entry() -> None:
    record = good()
    record["containers"]["cna"]["affected"][0]["versions"].append({"version": "1.0", "status": "broken"})
    errors = validate_record(record)
    assert errors
    assert all(e.path.startswith("$.containers.cna.affected[0].versions[1]") for e in errors)


@pytest.mark.parametrize(
    ("mutate", "path", "rule"),
    [
        (lambda r: r["cveMetadata"].pop("cveId"), "$.cveMetadata", "required"),
        (lambda r: r["cveMetadata"].update(cveId="CVE-99-1"), "$.cveMetadata.cveId", "pattern"),
        (lambda r: r["containers"]["cna"].update(references=[]), "$.containers.cna.references", "minItems"),
        (lambda r: r["containers"]["cna"].update(title="x" * 300), "$.containers.cna.title", "maxLength"),
        (lambda r: r["containers"]["cna"].update(bogus=1), "$.containers.cna", "additionalProperties"),
        (
            lambda r: r["containers"]["cna"]["providerMetadata"].update(orgId="nope"),
            "$.containers.cna.providerMetadata.orgId",
            "pattern",
        ),
    ],
)
def test_rules_and_paths(mutate: Any, path: str, rule: str) -> None:
    record = good()
    mutate(record)
    assert SchemaError(path, rule, "") in [SchemaError(e.path, e.rule, "") for e in validate_record(record)]


def test_cna_schema_is_distinct_from_record_schema() -> None:
    assert validate_record(good(), "cna") != []


def test_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation opened a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    record = good()
    record["containers"]["cna"]["metrics"].append({"cvssV3_1": {"version": "3.1"}})
    assert validate_record(record)


def test_validate_file(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    target.write_text(json.dumps(good()), encoding="utf-8")
    assert validate_file(target) == []
    target.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"r\.json is not valid JSON \(line 1"):
        validate_file(target)


def test_json_path() -> None:
    assert json_path(["containers", "cna", "affected", 0, "versions", 1]) == "$.containers.cna.affected[0].versions[1]"
    assert json_path(["x-y"]) == '$["x-y"]'


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["cveMetadata", "containers", "dataType", "dataVersion"]), _JSON)
def test_never_crashes_on_arbitrary_values(key: str, value: Any) -> None:
    record = copy.deepcopy(good())
    record[key] = value
    errors = validate_record(record)
    assert all(e.path.startswith("$") and e.rule for e in errors)
