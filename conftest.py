"""Settings for every test pytest collects, the doctests in src/ included: offline, a fresh cache."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _offline(monkeypatch, tmp_path_factory):
    """No test downloads anything or sees another run's cache: boundaries come from a path or the tile grid."""
    monkeypatch.setenv("IRAQ_ATLAS_OFFLINE", "1")
    monkeypatch.setenv("IRAQ_ATLAS_CACHE", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("IRAQ_ATLAS_BOUNDARIES", raising=False)
