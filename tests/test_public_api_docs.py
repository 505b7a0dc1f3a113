"""Every public function and class documents its parameters, what it returns and an example that runs."""

from __future__ import annotations

import importlib
import inspect

import pytest

import iraq_atlas

PACKAGES = ["iraq_atlas", "iraq_atlas.places", "iraq_atlas.elections", "iraq_atlas.incidents",
            "iraq_atlas.incidents.sources", "iraq_atlas.incidents.api", "iraq_atlas.analysis", "iraq_atlas.geoparse",
            "iraq_atlas.viz", "iraq_atlas.runner"]


def _public() -> list[tuple[str, object]]:
    seen, out = set(), []
    for name in PACKAGES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue  # errors are documented in iraq_atlas.errors as a family
            seen.add(id(obj))
            out.append((f"{name}.{attr}", obj))
    return out


PUBLIC = _public()


def test_the_curated_api_is_not_empty():
    assert len(PUBLIC) > 60
    assert set(iraq_atlas.__all__) <= set(dir(iraq_atlas))


# the packages whose public API is a curated list (``iraq_atlas.incidents.api`` offers its modules)
CURATED = [name for name in PACKAGES if name != "iraq_atlas.incidents.api"]


@pytest.mark.parametrize("name", CURATED)
def test_every_package_curates_its_api(name):
    """Each package lists its public names, and each listed name resolves on the package."""
    module = importlib.import_module(name)
    names = getattr(module, "__all__", None)
    assert names, f"{name} has no __all__"
    assert len(names) == len(set(names)), f"{name}.__all__ lists a name twice"
    missing = [attr for attr in names if not hasattr(module, attr)]
    assert not missing, f"{name}: {missing} do not resolve"


@pytest.mark.parametrize("name,obj", PUBLIC, ids=[n for n, _ in PUBLIC])
def test_public_docstring_has_an_example_that_runs(name, obj):
    doc = inspect.getdoc(obj) or ""
    assert "Examples\n--------" in doc, f"{name}: no numpydoc Examples section"
    examples = doc.split("Examples\n--------", 1)[1]
    lines = [line for line in examples.splitlines() if line.lstrip().startswith(">>> ")]
    assert lines, f"{name}: the Examples section has no doctest line"
    assert not all("doctest: +SKIP" in line for line in lines), f"{name}: every example line is skipped"
    if inspect.isfunction(obj) and list(inspect.signature(obj).parameters):
        assert "Parameters\n----------" in doc, f"{name}: no Parameters section"
