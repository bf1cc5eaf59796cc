"""Fixtures of the knowledge-base tests: articles written through the editors' service."""
from __future__ import annotations

import pytest


@pytest.fixture
def shipped(app):
    """The shipped help articles, loaded as `helpdesk migrate` loads them."""
    from helpdesk.kb.services import ensure_shipped

    assert ensure_shipped() == 7
    return app


@pytest.fixture
def write_article(app):
    """Factory: an article saved (and by default published) through kb.services.save."""
    from helpdesk.kb import services

    def write(title: str, body: str, *, language: str = "pl", keywords: str = "", category: str = "",
              publish: bool = True, article_id: int | None = None, actor=None):
        return services.save(article_id=article_id, language=language, title=title, body_md=body, keywords=keywords,
                             category=category, actor=actor, publish=publish)

    return write
