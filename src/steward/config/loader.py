"""Find and load `.steward/project.yml`: layers, validation, provenance, file:line errors.

Every problem becomes one `steward.errors.ConfigError` line of the form
`<file>:<line>: <dotted.key>: <problem>; allowed: <values>` (spec §13, G8),
so an operator can jump straight to the line; a traceback never reaches them.
"""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from importlib import metadata
from pathlib import Path
from typing import Any, Union

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from steward.config.model import BLOCKS, FORWARDER_ADAPTERS, PLANNED, Allowed, ProjectConfig
from steward.config.profiles import DEFAULT_ORGANIZATION, ORGANIZATIONS, layers, merge
from steward.errors import ConfigError

CONFIG_DIR = ".steward"
CONFIG_NAME = "project.yml"
ENV_CONFIG = "STEWARD_CONFIG"

Path_ = tuple[str | int, ...]

_KEBAB_KEY_PARENTS: frozenset[Path_] = frozenset(
    {("tracker", "body_fields"), ("tracker", "labels"), ("forwarders",), ("cve_authority",)}
)
"""Mappings whose keys are role or adapter names, which also accept kebab-case (§13)."""


@dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration and where each resolved value came from."""

    config: ProjectConfig
    path: Path
    root: Path
    provenance: dict[str, str]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- finding the file


def find_config(cwd: Path, explicit: Path | None = None) -> Path:
    """`--config PATH`, else `$STEWARD_CONFIG`, else the nearest `.steward/project.yml` upwards, like git."""
    named = explicit if explicit is not None else (Path(os.environ[ENV_CONFIG]) if os.environ.get(ENV_CONFIG) else None)
    if named is not None:
        path = named if named.is_absolute() else cwd / named
        if not path.is_file():
            source = "--config" if explicit is not None else ENV_CONFIG
            raise ConfigError(
                f"{path}: no such file (named by {source}); pass --config PATH to an existing project.yml"
            )
        return path
    for directory in (cwd, *cwd.parents):
        candidate = directory / CONFIG_DIR / CONFIG_NAME
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"no {CONFIG_DIR}/{CONFIG_NAME} in {cwd} or its parents; run `steward init` or pass --config PATH"
    )


# ---------------------------------------------------------------- errors


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line(lines: Mapping[Path_, int], path: Path_) -> int:
    for end in range(len(path), 0, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return 1


def _message(file: Path, line: int, path: Path_, problem: str, allowed: str) -> str:
    return f"{file}:{line}: {_dotted(path)}: {problem}; allowed: {allowed}"


class _Problem(Exception):
    def __init__(self, path: Path_, problem: str, allowed: str) -> None:
        super().__init__(problem)
        self.path = path
        self.problem = problem
        self.allowed = allowed


def _raise_first(file: Path, lines: Mapping[Path_, int], problems: Sequence[_Problem]) -> None:
    if not problems:
        return
    first = min(problems, key=lambda p: _line(lines, p.path))
    raise ConfigError(_message(file, _line(lines, first.path), first.path, first.problem, first.allowed))


# ---------------------------------------------------------------- describing allowed values


def _strip_annotated(annotation: Any) -> tuple[Any, str | None]:
    if typing.get_origin(annotation) is typing.Annotated:
        base, *meta = typing.get_args(annotation)
        text = next((m.text for m in meta if isinstance(m, Allowed)), None)
        inner, inner_text = _strip_annotated(base)
        return inner, text or inner_text
    return annotation, None


def _members(annotation: Any) -> list[Any]:
    if typing.get_origin(annotation) in (Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def describe(annotation: Any) -> str:
    """A short phrase for the values an annotation accepts, for error messages."""
    base, text = _strip_annotated(annotation)
    if text:
        return text
    members = _members(base)
    if len(members) > 1:
        return " or ".join(dict.fromkeys(describe(m) for m in members))
    base = members[0]
    origin = typing.get_origin(base)
    if origin is typing.Literal:
        return ", ".join(str(v) for v in typing.get_args(base))
    if origin is list:
        return f"a list of {describe(typing.get_args(base)[0])}"
    if origin is dict:
        return f"a mapping of names to {describe(typing.get_args(base)[1])}"
    if isinstance(base, type):
        if issubclass(base, BaseModel):
            return "keys " + ", ".join(_field_names(base))
        if issubclass(base, Enum):
            return ", ".join(str(m.value) for m in base)
        simple = {
            bool: "true or false",
            int: "an integer",
            float: "a number",
            str: "a string",
            date: "a date YYYY-MM-DD",
        }
        for kind, phrase in simple.items():
            if base is kind:
                return phrase
    return "see spec §13"


def _model_field(model: type[BaseModel], key: str) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation if not info.metadata else typing.Annotated[(info.annotation, *info.metadata)]
    return None


def annotation_at(path: Path_) -> Any:
    """The annotation of the key at `path` in ProjectConfig, or None when the path leaves the schema."""
    current: Any = ProjectConfig
    for part in path:
        base, _ = _strip_annotated(current)
        found = None
        for candidate in _members(base):
            member, _ = _strip_annotated(candidate)
            origin = typing.get_origin(member)
            if isinstance(part, str) and isinstance(member, type) and issubclass(member, BaseModel):
                found = _model_field(member, part)
            elif isinstance(part, int) and origin is list:
                found = typing.get_args(member)[0]
            elif isinstance(part, str) and origin is dict:
                found = typing.get_args(member)[1]
            if found is not None:
                break
        if found is None:
            return None
        current = found
    return current


def _clean_loc(loc: tuple[str | int, ...], data: Any, kind: str) -> Path_:
    """The data path of a pydantic error location, without union tags."""
    path: list[str | int] = []
    node = data
    for index, part in enumerate(loc):
        in_map = isinstance(node, Mapping) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_map or in_list:
            path.append(part)
            node = node[part]
        elif index == len(loc) - 1 and kind == "missing" and isinstance(part, str):
            path.append(part)
    return tuple(path)


def _problem_of(error: ErrorDetails, path: Path_) -> _Problem:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if kind == "steward":
        return _Problem(path, str(ctx["problem"]), str(ctx["allowed"]))
    if kind == "extra_forbidden":
        parent = annotation_at(path[:-1])
        return _Problem(path, "unknown key", describe(parent) if parent is not None else "see spec §13")
    annotation = annotation_at(path)
    allowed = describe(annotation) if annotation is not None else "see spec §13"
    if kind == "missing":
        return _Problem(path, "missing required key", allowed)
    if kind in ("literal_error", "enum") and isinstance(value, str | int | float | bool):
        return _Problem(path, f"{value!r} is not one of the allowed values", allowed)
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return _Problem(path, f"value out of range ({error['msg'].lower()})", allowed)
    return _Problem(path, f"wrong type or value ({error['msg']})", allowed)


# ---------------------------------------------------------------- reading YAML


def _norm_key(parent: Path_, key: str) -> str:
    return key.replace("-", "_") if parent in _KEBAB_KEY_PARENTS else key


def _line_map(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> list[_Problem]:
    problems: list[_Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, str] = {}
        for key_node, value_node in node.value:
            raw = str(key_node.value)
            key = _norm_key(path, raw)
            child = (*path, key)
            lines[child] = key_node.start_mark.line + 1
            if key in seen:
                spelled = "" if seen[key] == raw else f" ({seen[key]!r} and {raw!r} spell the same key)"
                problems.append(_Problem(child, f"duplicate key{spelled}", "each key once per mapping"))
                continue
            seen[key] = raw
            problems += _line_map(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            problems += _line_map(item, (*path, index), lines)
    return problems


def _normalise(value: Any, path: Path_) -> Any:
    """Keys and values in their canonical spelling: role/adapter keys snake_case, adapter and role values kebab-case."""
    if isinstance(value, Mapping):
        return {_norm_key(path, str(k)): _normalise(v, (*path, _norm_key(path, str(k)))) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, (*path, i)) for i, v in enumerate(value)]
    if isinstance(value, str):
        generic = tuple("*" if isinstance(p, int) else p for p in path)
        if generic in (
            ("forwarders", "enabled", "*"),
            ("cve_authority", "tool"),
            ("roster", "members", "*", "roles", "*"),
        ):
            return value.replace("_", "-")
    return value


def _read(path: Path) -> tuple[dict[str, Any], dict[Path_, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the configuration ({exc}); check the path and its permissions"
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(" ".join(str(p) for p in (exc.context, exc.problem) if p).split())
        raise ConfigError(f"{path}:{line}: invalid YAML: {problem}; fix the syntax at that line") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        raise ConfigError(
            f"{path}:{line}: invalid YAML: character {exc.character!r} is not allowed; remove it"
        ) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ConfigError(f"{path}:1: invalid YAML: {problem}; fix the syntax") from None
    lines: dict[Path_, int] = {}
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}:1: (top level): the file must be a mapping of keys; allowed: keys of spec §13")
    if node is not None:
        _raise_first(path, lines, _line_map(node, (), lines))
    project = _normalise(data, ())
    for block in BLOCKS:
        if block in project and project[block] is None:
            project[block] = {}
    return project, lines


# ---------------------------------------------------------------- cross-key rules


def installed_adapters() -> frozenset[str]:
    """Adapter names registered by installed packages (entry point group `steward.adapters`)."""
    return frozenset(ep.name for ep in metadata.entry_points(group="steward.adapters"))


def _cross_checks(config: ProjectConfig, project_layer: Mapping[str, Any]) -> list[_Problem]:
    problems: list[_Problem] = []
    known = (*FORWARDER_ADAPTERS, *sorted(installed_adapters()))
    seen: set[str] = set()
    for index, name in enumerate(config.forwarders.enabled):
        path: Path_ = ("forwarders", "enabled", index)
        if name not in known:
            problems.append(_Problem(path, f"unknown forwarder adapter {name!r}", ", ".join(known)))
        elif name in seen:
            problems.append(_Problem(path, f"adapter {name!r} is listed twice", "each adapter once"))
        elif name in FORWARDER_ADAPTERS and not config.forwarders.adapter(name).contacts():
            problems.append(
                _Problem(
                    ("forwarders", name.replace("-", "_"), "contact"),
                    f"missing required key for the enabled adapter {name!r}",
                    "an address or handle, or a list of them (never the relay's sender)",
                )
            )
        seen.add(name)
    tracker = config.tracker
    if tracker.platform == "github" and "repo" not in (project_layer.get("tracker") or {}):
        problems.append(_Problem(("tracker", "repo"), "required with tracker.platform: github", "owner/name"))
    if tracker.board.kind == "github-projects-v2" and not tracker.board.project_id:
        problems.append(
            _Problem(("tracker", "board", "project_id"), "required with board.kind: github-projects-v2", "a project id")
        )
    cna = config.cve_authority
    if cna.allocation_path == "email-request" and cna.request_address is None:
        problems.append(
            _Problem(
                ("cve_authority", "request_address"),
                "required with allocation_path: email-request",
                "an e-mail address",
            )
        )
    if config.security_inbox.pgp.enabled and config.security_inbox.pgp.key_fingerprint is None:
        problems.append(
            _Problem(
                ("security_inbox", "pgp", "key_fingerprint"),
                "required with pgp.enabled: true",
                "an OpenPGP fingerprint",
            )
        )
    mail = config.mail_provider
    schemes = {"maildir": ("maildir:",), "mbox": ("mbox:",), "imap": ("imap://", "imaps://"), "gmail": ("gmail:",)}
    if not mail.source_uri.startswith(schemes[mail.primary]):
        problems.append(
            _Problem(
                ("mail_provider", "source_uri"),
                f"does not match mail_provider.primary: {mail.primary}",
                " or ".join(f"{s}..." for s in schemes[mail.primary]),
            )
        )
    if config.roster.source == "inline":
        handles = {m.handle.removeprefix("@").casefold() for m in config.roster.members}
        for scope, spec in config.scope_detection.labels.items():
            for index, handle in enumerate(spec.reviewers):
                if handle.removeprefix("@").casefold() not in handles:
                    problems.append(
                        _Problem(
                            ("scope_detection", "labels", scope, "reviewers", index),
                            f"{handle!r} is not on the roster",
                            "handles of roster.members",
                        )
                    )
    return problems


def _planned_warnings(resolved: Mapping[str, Any]) -> list[str]:
    warnings = []
    for dotted, planned in PLANNED.items():
        node: Any = resolved
        for part in dotted.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if isinstance(node, str) and node in planned:
            warnings.append(
                f"{dotted}: {node!r} is planned and this build does not ship it yet; "
                "commands that need it refuse (exit 3)"
            )
    return warnings


# ---------------------------------------------------------------- provenance


def _leaves(value: Any, prefix: Path_) -> list[tuple[Path_, Any]]:
    if isinstance(value, Mapping) and value:
        out: list[tuple[Path_, Any]] = []
        for key, item in value.items():
            out += _leaves(item, (*prefix, key))
        return out
    return [(prefix, value)]


def _has(layer: Mapping[str, Any], path: Path_) -> bool:
    node: Any = layer
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _provenance(
    dump: Mapping[str, Any], project: Mapping[str, Any], profile: Mapping[str, Any], org: str
) -> dict[str, str]:
    out: dict[str, str] = {}
    for path, _ in _leaves(dump, ()):
        if _has(project, path):
            layer = "project"
        elif _has(profile, path):
            layer = f"profile:{org}"
        else:
            layer = "default"
        out[_dotted(path)] = layer
    return out


# ---------------------------------------------------------------- loading


def load_config(path: Path) -> LoadedConfig:
    """Read, resolve and validate one project file; any problem is a one-line ConfigError."""
    project_layer, lines = _read(path)
    org = project_layer.get("organization", DEFAULT_ORGANIZATION)
    if org not in ORGANIZATIONS:
        raise ConfigError(
            _message(
                path,
                _line(lines, ("organization",)),
                ("organization",),
                f"{org!r} is not an organisation profile",
                ", ".join(ORGANIZATIONS),
            )
        )
    profile_layer, default_layer = layers(project_layer, org)
    merged = merge(merge(default_layer, profile_layer), project_layer)
    try:
        config = ProjectConfig.model_validate(merged)
    except ValidationError as exc:
        problems = [_problem_of(e, _clean_loc(e["loc"], merged, e["type"])) for e in exc.errors(include_url=False)]
        _raise_first(path, lines, problems)
        raise  # pragma: no cover - a ValidationError always carries errors
    _raise_first(path, lines, _cross_checks(config, project_layer))
    dump = config.model_dump(mode="json", by_alias=True)
    root = path.parent.parent if path.parent.name == CONFIG_DIR else path.parent
    return LoadedConfig(
        config=config,
        path=path,
        root=root,
        provenance=_provenance(dump, project_layer, profile_layer, org),
        warnings=_planned_warnings(dump),
    )


def resolved_items(loaded: LoadedConfig) -> list[tuple[str, object, str]]:
    """Every resolved leaf as (dotted key, value, layer), for `config check --show`.

    Secrets are their references (`env:NAME`, ...): nothing here resolves one.
    """
    dump = loaded.config.model_dump(mode="json", by_alias=True)
    return [(_dotted(p), value, loaded.provenance.get(_dotted(p), "default")) for p, value in _leaves(dump, ())]
