"""The 16 canned responses (spec §9.6, §9.7): loading, project overrides, strict rendering.

Templates are data a project may edit, so they are rendered in a sandbox with strict undefined and with nothing but
bare `{{ NAME }}` placeholders allowed: a typo in an override is an error before a draft exists, never a mail that
says `{{ CVE_ID }}` or an empty gap where a fact should be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

from steward.config.model import ProjectConfig
from steward.errors import UsageError
from steward.intake.display import safe_terminal

SLUGS: tuple[str, ...] = (
    "receipt-of-confirmation",
    "negative-assessment",
    "automated-scanning-results",
    "consolidated-multi-issue-report",
    "media-request",
    "report-accepted",
    "cve-allocated",
    "fix-pr-opened",
    "fix-pr-merged",
    "release-scheduled",
    "release-shipped-advisory-sent",
    "cve-published",
    "credit-correction",
    "additional-information-requested",
    "beg-bounty",
    "duplicate-report",
)
"""The stable slugs, in the numbering of §9.7 (slug n is `SLUGS[n - 1]`)."""

REJECTION_SLUGS = frozenset({SLUGS[1], SLUGS[2], SLUGS[3], SLUGS[4], SLUGS[14]})
"""Templates 2-5 and 15: the only ones whose override may carry `signal_phrases` front matter."""

PLACEHOLDERS = frozenset(
    {
        "REPORTER_NAME",
        "PROJECT",
        "PACKAGE",
        "VERSION",
        "TARGET_DATE",
        "CVE_ID",
        "PR_URL",
        "ADVISORY_URL",
        "RELEASE_URL",
        "CREDIT_LINE",
        "QUESTIONS",
        "DETAILED_EXPLANATION",
        "SECURITY_MODEL_URL",
        "PRESS_CONTACT",
        "WINDOW_DAYS",
        "SIGNATURE",
        "DUPLICATE_OF",
        "ADVISORY_PREVIEW",
    }
)
"""The placeholders §9.6 declares; any other name in a template is an error."""

NULLABLE_CONFIG_KEYS: Mapping[str, str] = {
    "SECURITY_MODEL_URL": "product.security_model_url",
    "PRESS_CONTACT": "product.press_contact",
}
"""Placeholders filled from a config key that defaults to null: a null value refuses the draft (§9.6)."""

OPTIONAL_PLACEHOLDERS: Mapping[str, str] = {"ADVISORY_PREVIEW": "", "DUPLICATE_OF": "an earlier report"}
"""Placeholders with a value when the event supplies none (§9.6)."""

INLINE_ADDITION_HEADING = "> **[Inline addition for this report]**"

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class CannedTemplate:
    """One template's text; `signal_phrases` is None unless an override replaces the class signals."""

    slug: str
    text: str
    source: str
    signal_phrases: tuple[str, ...] | None = None


def _check_slug(slug: str) -> None:
    if slug not in SLUGS:
        raise UsageError(f"{slug!r} is not a canned-response slug; use one of: {', '.join(SLUGS)}.")


def default_text(slug: str) -> str:
    """The shipped default text of a slug."""
    _check_slug(slug)
    return resources.files("steward.comms").joinpath("templates", f"{slug}.txt").read_text(encoding="utf-8")


def _split_front_matter(text: str, where: str, slug: str) -> tuple[str, tuple[str, ...] | None]:
    found = _FRONT_MATTER.match(text)
    if found is None:
        return text, None
    try:
        data = yaml.safe_load(found.group("yaml"))
    except yaml.YAMLError as exc:
        raise UsageError(f"{where}: the front matter is not valid YAML ({exc}); fix or remove it.") from None
    body = text[found.end() :]
    if data is None:
        return body, None
    if not isinstance(data, dict) or set(data) - {"signal_phrases"}:
        raise UsageError(f"{where}: the front matter may only hold `signal_phrases`; remove the other keys.")
    phrases = data.get("signal_phrases")
    if phrases is None:
        return body, None
    if slug not in REJECTION_SLUGS:
        raise UsageError(
            f"{where}: `signal_phrases` is only allowed on the rejection templates "
            f"({', '.join(sorted(REJECTION_SLUGS))}); remove it."
        )
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise UsageError(f"{where}: `signal_phrases` must be a list of non-empty strings.")
    return body, tuple(phrases)


def load_template(slug: str, canned_dir: Path | None = None) -> CannedTemplate:
    """The project's `.steward/canned/<slug>.txt` when it exists, else the shipped default."""
    _check_slug(slug)
    if canned_dir is not None:
        override = canned_dir / f"{slug}.txt"
        if override.is_file():
            where = str(override)
            text, phrases = _split_front_matter(override.read_text(encoding="utf-8"), where, slug)
            return CannedTemplate(slug, text, where, phrases)
    return CannedTemplate(slug, default_text(slug), f"default template {slug}")


def placeholders_of(text: str, where: str = "template") -> frozenset[str]:
    """The placeholder names a template uses; anything but bare `{{ NAME }}` outputs is an error."""
    try:
        tree = _ENV.parse(text)
    except TemplateError as exc:
        raise UsageError(
            f"{where}: the template does not parse ({exc}); write placeholders as {{{{ NAME }}}}."
        ) from None
    names: set[str] = set()
    for node in tree.body:
        if not isinstance(node, nodes.Output):
            raise UsageError(f"{where}: only {{{{ NAME }}}} placeholders are allowed, not {{% … %}} blocks.")
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                continue
            if not isinstance(child, nodes.Name):
                raise UsageError(
                    f"{where}: only bare {{{{ NAME }}}} placeholders are allowed, without filters or expressions."
                )
            names.add(child.name)
    return frozenset(names)


def template_problems(template: CannedTemplate) -> list[str]:
    """What is wrong with one template: its syntax or a placeholder §9.6 does not declare."""
    try:
        used = placeholders_of(template.text, template.source)
    except UsageError as exc:
        return [str(exc)]
    declared = ", ".join(sorted(PLACEHOLDERS))
    return [
        f"{template.source}: {{{{ {name} }}}} is not a declared placeholder; use one of {declared}."
        for name in sorted(used - PLACEHOLDERS)
    ]


def lint_templates(canned_dir: Path | None = None) -> list[str]:
    """Every problem in the effective templates and in the override directory (unknown files included)."""
    problems: list[str] = []
    if canned_dir is not None and canned_dir.is_dir():
        problems.extend(
            f"{path}: no canned response has the slug {path.stem!r}; rename it to one of the §9.7 slugs."
            for path in sorted(canned_dir.glob("*.txt"))
            if path.stem not in SLUGS
        )
    for slug in SLUGS:
        try:
            template = load_template(slug, canned_dir)
        except UsageError as exc:
            problems.append(str(exc))
            continue
        problems.extend(template_problems(template))
    return problems


def signature(config: ProjectConfig) -> str:
    """`comms.signature`, defaulting to `The <project> security team` (§13)."""
    return config.comms.signature or f"The {config.product.name} security team"


def config_values(config: ProjectConfig) -> dict[str, str | None]:
    """The placeholders that come from configuration; None marks a null config key."""
    return {
        "PROJECT": config.product.name,
        "PACKAGE": config.product.package_name,
        "WINDOW_DAYS": str(config.disclosure.window_days),
        "SIGNATURE": signature(config),
        "SECURITY_MODEL_URL": config.product.security_model_url,
        "PRESS_CONTACT": config.product.press_contact,
    }


def inline_addition(text: str) -> str:
    """A §5.13 addition block: the heading line, then the text quoted line by line."""
    lines = [INLINE_ADDITION_HEADING]
    lines.extend(f"> {line}" if line.strip() else ">" for line in text.strip("\n").splitlines())
    return "\n".join(lines)


def _clean(value: str) -> str:
    return safe_terminal(value.replace("\r\n", "\n").replace("\r", "\n"))


def render(
    slug: str,
    config: ProjectConfig,
    values: Mapping[str, str | None],
    *,
    canned_dir: Path | None = None,
    additions: Sequence[str] = (),
) -> str:
    """The filled text of a template; refuses before anything is written when a placeholder cannot be filled.

    `values` are the event's facts. Config placeholders with a null key refuse (UsageError naming the key); any other
    placeholder without a value is an error, except the optional ones of §9.6. `additions` become inline-addition
    blocks placed before the signature paragraph.
    """
    template = load_template(slug, canned_dir)
    problems = template_problems(template)
    if problems:
        raise UsageError(problems[0])
    used = placeholders_of(template.text, template.source)
    merged: dict[str, str | None] = {**OPTIONAL_PLACEHOLDERS, **config_values(config)}
    merged.update({k: v for k, v in values.items() if k not in NULLABLE_CONFIG_KEYS and k != "SIGNATURE"})
    for name in sorted(used):
        if name in NULLABLE_CONFIG_KEYS and merged.get(name) is None:
            key = NULLABLE_CONFIG_KEYS[name]
            raise UsageError(
                f"{template.source} needs {{{{ {name} }}}} but `{key}` is not set; set `{key}` in .steward/project.yml."
            )
        if merged.get(name) is None:
            raise UsageError(f"{template.source}: the placeholder {{{{ {name} }}}} has no value for this draft.")
    filled = {name: _clean(str(merged[name])) for name in used}
    marker = "\x00SIGNATURE\x00"
    if "SIGNATURE" in filled:
        filled["SIGNATURE"] = marker
    try:
        text = _ENV.from_string(template.text).render(filled)
    except TemplateError as exc:
        raise UsageError(f"{template.source}: rendering failed ({exc}).") from None
    blocks = "\n\n".join(inline_addition(a) for a in additions if a.strip())
    sig = _clean(str(merged["SIGNATURE"]))
    if blocks and marker in text:
        text = text.replace(marker, f"{blocks}\n\n{sig}")
    else:
        text = text.replace(marker, sig)
        if blocks:
            text = f"{text.rstrip()}\n\n{blocks}\n"
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n") + "\n"
