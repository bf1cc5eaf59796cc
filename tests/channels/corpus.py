"""Access to the Zammad mail corpus kept next to the repository (AGPL test data, never copied in)."""
from __future__ import annotations

import base64
import os
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def corpus_dir() -> Path:
    """<repo>/../shared/corpus/zammad-mail, or under $KONTAKT_SHARED, or /work/shared."""
    candidates = [REPO.parent / "shared"]
    if os.environ.get("KONTAKT_SHARED"):
        candidates.insert(0, Path(os.environ["KONTAKT_SHARED"]))
    candidates.append(Path("/work/shared"))
    for shared in candidates:
        folder = shared / "corpus" / "zammad-mail"
        if folder.is_dir():
            return folder
    return candidates[0] / "corpus" / "zammad-mail"


class _RubyYamlLoader(yaml.SafeLoader):
    """Reads Ruby's YAML dumps: `!ruby/...` tags become plain values, `!binary` becomes bytes."""


def _untagged(loader, suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_RubyYamlLoader.add_multi_constructor("!", _untagged)
_RubyYamlLoader.add_constructor("!binary", lambda loader, node: base64.b64decode(loader.construct_scalar(node)))


def expected(box: Path) -> dict:
    with box.with_suffix(".yml").open("rb") as handle:
        return yaml.load(handle, Loader=_RubyYamlLoader)


def mails() -> list[Path]:
    return sorted(corpus_dir().glob("*.box"))
