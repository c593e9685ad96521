"""HTML bodies to plain text without fetching or executing anything, in time linear in the input."""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

from steward.intake.mail_limits import MiB


class _HtmlText(HTMLParser):
    """HTML to plain text: script/style dropped, links kept as `text (url)`. Nothing is fetched or executed."""

    _SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "math", "iframe", "object"})
    _BLOCK = frozenset(
        {"p", "div", "tr", "table", "blockquote", "pre", "ul", "ol", "dl", "dt", "dd", "section", "article", "hr"}
        | {f"h{n}" for n in range(1, 7)}
    )

    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.size = 0
        self.chunks: list[str] = []
        self.skip = 0
        self.pre = 0
        self.links: list[tuple[str, int]] = []

    def _emit(self, text: str) -> None:
        if self.size < self.limit:
            text = text[: self.limit - self.size]
            self.chunks.append(text)
            self.size += len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skip += 1
        elif tag == "br":
            self._emit("\n")
        elif tag == "li":
            self._emit("\n- ")
        elif tag in ("td", "th"):
            self._emit(" ")
        elif tag in self._BLOCK:
            self._emit("\n\n")
            if tag == "pre":
                self.pre += 1
        elif tag == "a":
            href = next((v for k, v in attrs if k == "href" and v), "")
            self.links.append((href.strip(), len(self.chunks)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._SKIP:
            self.handle_starttag(tag, attrs)
            if tag == "a":
                self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self._BLOCK:
            self._emit("\n\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            label = "".join(self.chunks[start:]).strip()
            if href and href != label:
                self._emit(f" ({href})")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self._emit(data if self.pre else re.sub(r"\s+", " ", data))

    def text(self) -> str:
        joined = "".join(self.chunks)
        lines = [line.rstrip() if self.pre else line.strip() for line in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _bounded_markup(html: str, longest_tag: int = 4096) -> str:
    """HTML in which every tag closes soon and no comment stays open, so html.parser never rescans (linear time).

    Comments are dropped; a `<` without a `>` within `longest_tag` characters, or whose tag leaves a quote open,
    becomes `&lt;` (text).
    """
    out: list[str] = []
    pos = 0
    next_gt = -1
    comments_closed = True
    while True:
        start = html.find("<", pos)
        if start < 0:
            out.append(html[pos:])
            return "".join(out)
        out.append(html[pos:start])
        if html.startswith("<!--", start):
            end = html.find("-->", start + 4) if comments_closed else -1
            if end >= 0:
                pos = end + 3
                continue
            comments_closed = False
            out.append("&lt;!--")
            pos = start + 4
            continue
        if next_gt < start:
            next_gt = html.find(">", start)
            if next_gt < 0:
                next_gt = len(html) + longest_tag + 1
        tag = html[start : next_gt + 1]
        if next_gt - start > longest_tag or tag.count('"') % 2 or tag.count("'") % 2:
            out.append("&lt;")
            pos = start + 1
            continue
        out.append(tag)
        pos = next_gt + 1


def html_to_text(html: str, limit: int = MiB) -> str:
    """Plain text of an HTML body, at most about `limit` characters; never raises."""
    source = _bounded_markup(html[: limit * 4])
    parser = _HtmlText(limit)
    try:
        parser.feed(source)
        parser.close()
        return parser.text()
    except Exception:
        stripped = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", source)
        return unescape(re.sub(r"<[^>]*>", " ", stripped))[:limit]
