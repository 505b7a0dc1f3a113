"""Iraq Atlas: places, elections and incidents for the political geography of Iraq."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iraq-atlas")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
