"""The benchmarks under bench/ still name what the code has: every `from helpdesk… import X`
(also inside functions, where an import error shows only when the benchmark runs) resolves."""
from __future__ import annotations

import ast
import importlib

import pytest

from helpdesk import REPO_ROOT

BENCHMARKS = sorted((REPO_ROOT / "bench").glob("*.py"))


def project_imports(path) -> list[tuple[str, str]]:
    """(module, name) of each `from <project package> import name` in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] in ("helpdesk", "channels", "routing", "schedules", "bench"):
            found.extend((node.module, alias.name) for alias in node.names)
    return found


@pytest.mark.parametrize("path", BENCHMARKS, ids=lambda p: p.name)
def test_a_benchmarks_imports_resolve(path):
    missing = []
    for module, name in project_imports(path):
        imported = importlib.import_module(module)
        if not hasattr(imported, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ModuleNotFoundError:
                missing.append(f"{module}.{name}")
    assert not missing, missing
