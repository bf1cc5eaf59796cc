"""Making mail HTML safe to show an agent, and turning it into plain text."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_TAGS = set(nh3.ALLOWED_TAGS) | {"font", "center"}
_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES.setdefault("img", set()).update({"src", "alt", "width", "height", "title"})
_ATTRIBUTES.setdefault("a", set()).update({"href", "title"})
_ATTRIBUTES.setdefault("font", set()).update({"color", "face", "size"})
for _cell in ("td", "th"):
    _ATTRIBUTES.setdefault(_cell, set()).update({"colspan", "rowspan", "align", "valign"})
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}

_IMG_TAG = re.compile(r'<img\b((?:\s+[^\s="<>/]+(?:="[^"]*")?)*)\s*/?>')
_ATTRIBUTE = re.compile(r'\s+([^\s="<>/]+)(?:="([^"]*)")?')


def _hold_remote_image(match: re.Match) -> str:
    attributes = []
    for name, value in _ATTRIBUTE.findall(match.group(1)):
        if name == "src" and not value.lower().startswith("cid:"):
            name = "data-remote-src"
        attributes.append(f'{name}="{value}"')
    return "<img " + " ".join(attributes) + ">" if attributes else "<img>"


def sanitise_html(html: str) -> str:
    """Strip scripts, event handlers, styles and unsafe links; hold back remote images.

    An image that is not a ``cid:`` reference keeps its address in ``data-remote-src``,
    so nothing is fetched until an agent asks for it.
    """
    clean = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_ATTRIBUTES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    # nh3 writes every attribute as name="value" with quotes escaped, so this match is exact.
    return _IMG_TAG.sub(_hold_remote_image, clean).strip()


_BLOCKS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "section", "article", "header", "footer", "dl", "dt", "dd",
}
_HIDDEN = {"script", "style", "head", "title", "template"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self.pre += 1
        if tag == "li":
            self.pieces.append("\n- ")
        elif tag in ("td", "th"):
            self.pieces.append(" ")
        elif tag in _BLOCKS:
            self.pieces.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCKS and tag not in ("br", "li"):
            self.pieces.append("\n")

    def handle_data(self, data):
        self.pieces.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body: blocks become lines, entities are resolved."""
    # nh3 first drops every tag that does not shape lines, which makes html.parser's work small.
    structure = nh3.clean(
        html, tags=_BLOCKS | {"td", "th"}, clean_content_tags=_HIDDEN, attributes={}, strip_comments=True
    )
    collector = _TextCollector()
    collector.feed(structure)
    collector.close()
    lines = [line.strip(" \t\u00a0") for line in "".join(collector.pieces).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
