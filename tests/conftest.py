"""Shared fixtures: real boundaries from ../shared/geodata, notebook runs (offline settings: ../conftest.py).

The slowguard plugin fails a test that starts a kernel, a dask cluster or Chromium unless it
is marked ``slow``, so that ``pytest -m "not slow"`` stays quick.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["slowguard", "browser"]  # browser: the session's Chromium as the ``chromium`` fixture

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def shared_geodata_dir() -> Path | None:
    """The real OCHA boundaries beside the checkout (CI sets IRAQ_ATLAS_TEST_GEODATA)."""
    env = os.environ.get("IRAQ_ATLAS_TEST_GEODATA")
    cand = Path(env) if env else ROOT.parent / "shared" / "geodata"
    return cand if (cand / "irq_admbnda_adm1_cso_20190603.geojson").exists() else None


@pytest.fixture(scope="session")
def geodata_dir() -> Path:
    """Real boundaries; a hard failure in CI (where they must exist), a skip elsewhere."""
    d = shared_geodata_dir()
    if d is None:
        if os.environ.get("CI"):
            pytest.fail("../shared/geodata is missing in CI")
        pytest.skip("real boundaries (../shared/geodata) not available")
    return d


@pytest.fixture(scope="session")
def adm1(geodata_dir):
    from iraq_atlas.places.boundaries import load_boundaries

    return load_boundaries("ADM1", geodata_dir)


def run_notebook(name: str, out_dir: Path, **params) -> Path:
    """Execute a notebook under papermill with the given parameters; returns the executed copy.

    Only for tests marked ``slow`` (and ``notebook``): it starts a kernel.
    """
    from slowguard import require_slow  # the plugin above; imported here so pytest loads it first

    require_slow(f"runs the notebook {name}")
    import papermill as pm

    out_dir.mkdir(parents=True, exist_ok=True)
    out_nb = out_dir / name
    pm.execute_notebook(str(NOTEBOOKS / name), str(out_nb), parameters={"output_dir": str(out_dir), **params},
                        cwd=str(NOTEBOOKS), progress_bar=False, kernel_name="python3")
    return out_nb
