"""The library reads its environment in one place, and the runner's key covers what changes results.

These tests read the package's source with ``ast`` rather than trusting
``settings.ENV_VARS``: a module that read a variable of its own, or a new variable
left out of the key, fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import iraq_atlas
from iraq_atlas import settings

PACKAGE = Path(iraq_atlas.__file__).resolve().parent
NAME = re.compile(r"IRAQ_ATLAS_[A-Z0-9_]+")

# Written out here, not taken from settings: which variables may change a notebook's
# results (so they belong in the cache key), and which only reach a service or the runner.
CHANGES_RESULTS = {"IRAQ_ATLAS_BOUNDARIES", "IRAQ_ATLAS_OFFLINE", "IRAQ_ATLAS_CACHE", "IRAQ_ATLAS_GEODATA"}
NOT_RESULTS = {
    "IRAQ_ATLAS_TRACE_READS",  # set by the runner for each job: where reads are recorded
    "IRAQ_ATLAS_ACLED_EMAIL", "IRAQ_ATLAS_ACLED_PASSWORD", "IRAQ_ATLAS_UCDP_TOKEN",
    "IRAQ_ATLAS_CREDENTIALS",  # credentials: never recorded anywhere
    "IRAQ_ATLAS_ACLED_URL", "IRAQ_ATLAS_UCDP_URL",  # service addresses; a snapshot records its own
}


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _names_in_code(path: Path) -> set[str]:
    """IRAQ_ATLAS_* names in the module's string constants, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstring_nodes(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            found |= set(NAME.findall(node.value))
    return found


def _environment_reads(path: Path) -> list[int]:
    """Lines where the module reads the environment itself (os.environ[...] / .get, os.getenv)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            f = node.func
            if f.attr == "getenv" and isinstance(f.value, ast.Name) and f.value.id == "os":
                lines.append(node.lineno)
            if f.attr == "get" and ast.unparse(f.value) == "os.environ" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                lines.append(node.lineno)
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" \
                and isinstance(node.slice, ast.Constant):
            lines.append(node.lineno)
    return lines


def test_no_module_but_settings_reads_a_named_variable():
    readers = {p.relative_to(PACKAGE).as_posix(): _environment_reads(p) for p in _sources()}
    readers = {k: v for k, v in readers.items() if v and k != "settings.py"}
    assert readers == {}


def test_every_variable_named_in_the_code_is_declared_in_settings():
    named = set().union(*(_names_in_code(p) for p in _sources()))
    declared = {v for k, v in vars(settings).items() if k.startswith("ENV_") and isinstance(v, str)}
    assert named - declared == set(), "read outside settings.py, or not declared there"
    assert declared == CHANGES_RESULTS | NOT_RESULTS, "a new variable: decide whether it changes results"


def test_the_cache_key_holds_exactly_the_variables_that_change_results():
    assert set(settings.ENV_VARS) == CHANGES_RESULTS
    assert set(settings.SERVICE_VARS) | {settings.ENV_TRACE} == NOT_RESULTS


def test_the_checks_find_a_module_reading_its_own_variable(tmp_path):
    rogue = tmp_path / "rogue.py"
    rogue.write_text('"""IRAQ_ATLAS_IN_A_DOCSTRING is not a read."""\nimport os\n'
                     'A = os.environ.get("IRAQ_ATLAS_ROGUE")\nB = os.getenv("HOME")\nC = os.environ["IRAQ_ATLAS_X"]\n')
    assert _environment_reads(rogue) == [3, 4, 5]
    assert _names_in_code(rogue) == {"IRAQ_ATLAS_ROGUE", "IRAQ_ATLAS_X"}
