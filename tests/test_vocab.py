"""Constants have one home: the metric CRS and the time zone are spelled out only in vocab.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import iraq_atlas
from iraq_atlas import vocab

PACKAGE = Path(iraq_atlas.__file__).resolve().parent


def _literals(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module that is not a docstring, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(node.body[0].value) for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs]


@pytest.mark.parametrize("name,value", [("METRIC_CRS", "EPSG:32638"), ("TIME_ZONE", "Asia/Baghdad")])
def test_a_constant_is_written_out_only_in_vocab(name, value):
    assert getattr(vocab, name) == value
    found = [f"{path.relative_to(PACKAGE)}:{line}" for path in sorted(PACKAGE.rglob("*.py"))
             if path.name != "vocab.py" for line, text in _literals(path) if value in text]
    assert found == [], f"{value!r} written out instead of iraq_atlas.vocab.{name}"


def test_the_date_parser_reads_its_time_zone_from_vocab():
    from iraq_atlas.geoparse import dates

    assert dates.TZ.key == vocab.TIME_ZONE
    assert dates.as_published("2021-11-06T22:30:00+00:00").isoformat() == "2021-11-07"   # 01:30 in Baghdad
