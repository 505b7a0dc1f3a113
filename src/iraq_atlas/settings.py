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

Credentials and service addresses (never part of a cache key, a manifest or a
report; see :mod:`iraq_atlas.incidents.api.credentials`):
``IRAQ_ATLAS_ACLED_EMAIL``, ``IRAQ_ATLAS_ACLED_PASSWORD``, ``IRAQ_ATLAS_UCDP_TOKEN``,
``IRAQ_ATLAS_CREDENTIALS`` (a private credentials file), ``IRAQ_ATLAS_ACLED_URL`` and
``IRAQ_ATLAS_UCDP_URL`` (base URLs, for a mirror or a test server).
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

ENV_ACLED_EMAIL = "IRAQ_ATLAS_ACLED_EMAIL"
ENV_ACLED_PASSWORD = "IRAQ_ATLAS_ACLED_PASSWORD"
ENV_UCDP_TOKEN = "IRAQ_ATLAS_UCDP_TOKEN"
ENV_CREDENTIALS = "IRAQ_ATLAS_CREDENTIALS"
ENV_ACLED_URL = "IRAQ_ATLAS_ACLED_URL"
ENV_UCDP_URL = "IRAQ_ATLAS_UCDP_URL"
#: Credentials and service addresses: read, never recorded.
SERVICE_VARS = (ENV_ACLED_EMAIL, ENV_ACLED_PASSWORD, ENV_UCDP_TOKEN, ENV_CREDENTIALS, ENV_ACLED_URL, ENV_UCDP_URL)


def get(name: str) -> str | None:
    """The value of one of the variables above, or None when unset or empty.

    Examples
    --------
    >>> get("IRAQ_ATLAS_SURELY_UNSET") is None
    True
    """
    return os.environ.get(name) or None





def boundaries_path() -> Path | None:
    """The boundary file or folder named by ``$IRAQ_ATLAS_BOUNDARIES``, if set."""
    value = get(ENV_BOUNDARIES)
    return Path(value) if value else None


def offline() -> bool:
    """True when ``$IRAQ_ATLAS_OFFLINE`` is set: nothing may use the network."""
    return get(ENV_OFFLINE) is not None


def cache_dir() -> Path:
    """Folder for downloads, the online geocoder's answers and the geocoder's answer index."""
    value = get(ENV_CACHE)
    return Path(value) if value else Path.home() / ".cache" / "iraq-atlas"


def geodata_override() -> Path | None:
    """The folder named by ``$IRAQ_ATLAS_GEODATA``, replacing the shipped curated inputs."""
    value = get(ENV_GEODATA)
    return Path(value) if value else None


def trace_file() -> Path | None:
    """Where input reads are recorded (set by the report runner), if anywhere."""
    value = get(ENV_TRACE)
    return Path(value) if value else None
