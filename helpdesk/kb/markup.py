"""Article bodies: Markdown (CommonMark with tables) rendered by markdown-it-py, then sanitised by nh3."""
from __future__ import annotations

import functools
import html
import re

import nh3
from markdown_it import MarkdownIt

_TAGS = {"p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
         "table", "thead", "tbody", "tr", "th", "td"}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}, "ol": {"start"}}
_SUMMARY_LENGTH = 240
_MARK = re.compile(r"\[\[[a-z-]+\]\]")


@functools.cache
def _parser() -> MarkdownIt:
    # Raw HTML in the source is shown as text, not passed through; nh3 is the second line of defence.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def render(markdown: str) -> str:
    """Sanitised HTML for an article body written in Markdown."""
    rendered = _parser().render(markdown or "")
    return nh3.clean(rendered, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes={"http", "https", "mailto", "tel"},
                     link_rel="noopener noreferrer", filter_style_properties={"text-align"})


def plain_text(markdown: str) -> str:
    """The body's text without markup (for the summary under a search result)."""
    text = nh3.clean(_parser().render(markdown or ""), tags=set())
    text = _MARK.sub(" ", html.unescape(text))  # places filled in on the page, such as [[opening-hours]]
    return re.sub(r"\s+", " ", text).strip()


def summary(markdown: str) -> str:
    """The first words of the body, for search results and the page's meta description."""
    text = plain_text(markdown)
    if len(text) <= _SUMMARY_LENGTH:
        return text
    return text[:_SUMMARY_LENGTH].rsplit(" ", 1)[0] + "…"
