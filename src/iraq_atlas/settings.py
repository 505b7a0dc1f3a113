"""Every setting the library reads from the environment, in one place.

The library reads no ``IRAQ_ATLAS_*`` variable anywhere else, so this module
is also the list of environment inputs the report runner puts into its cache
key (:data:`ENV_VARS`).

========================== ==================================================
variable                   meaning
========================== ==================================================
``IRAQ_ATLAS_BOUNDARIES``  a boundary file or folder used instead of the
                           embedded boundaries
``IRAQ_ATLAS_OFFLINE``     any non-empty value: never touch the network
``IRAQ_ATLAS_CACHE``       cache folder (default ``~/.cache/iraq-atlas``)
``IRAQ_ATLAS_GEODATA``     folder of curated inputs replacing the shipped one
``IRAQ_ATLAS_TRACE_READS`` set by the report runner: a file to which every
                           input file read is appended
========================== ==================================================
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_BOUNDARIES = "IRAQ_ATLAS_BOUNDARIES"
ENV_OFFLINE = "IRAQ_ATLAS_OFFLINE"
ENV_CACHE = "IRAQ_ATLAS_CACHE"
ENV_GEODATA = "IRAQ_ATLAS_GEODATA"
ENV_TRACE = "IRAQ_ATLAS_TRACE_READS"

#: Variables whose value changes what a notebook computes (part of the runner's cache key).
ENV_VARS = (ENV_BOUNDARIES, ENV_OFFLINE, ENV_CACHE, ENV_GEODATA)


def _get(name: str) -> str | None:
    return os.environ.get(name) or None


def boundaries_path() -> Path | None:
    """The boundary file or folder named by ``$IRAQ_ATLAS_BOUNDARIES``, if set."""
    value = _get(ENV_BOUNDARIES)
    return Path(value) if value else None


def offline() -> bool:
    """True when ``$IRAQ_ATLAS_OFFLINE`` is set: nothing may use the network."""
    return _get(ENV_OFFLINE) is not None


def cache_dir() -> Path:
    """Folder for downloads and the online geocoder's answers."""
    value = _get(ENV_CACHE)
    return Path(value) if value else Path.home() / ".cache" / "iraq-atlas"


def geodata_override() -> Path | None:
    """The folder named by ``$IRAQ_ATLAS_GEODATA``, replacing the shipped curated inputs."""
    value = _get(ENV_GEODATA)
    return Path(value) if value else None


def trace_file() -> Path | None:
    """Where input reads are recorded (set by the report runner), if anywhere."""
    value = _get(ENV_TRACE)
    return Path(value) if value else None
