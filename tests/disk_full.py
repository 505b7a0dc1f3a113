"""A disk that fills up part-way through writing a file, for tests of atomic writes."""

from __future__ import annotations

import errno
import os

import pytest


def fill_disk_after(monkeypatch: pytest.MonkeyPatch, nbytes: int) -> None:
    """Make every binary file opened from a descriptor accept ``nbytes`` bytes, then fail with ENOSPC.

    What :func:`os.fdopen` returns for ``"wb"`` writes its first ``nbytes`` bytes to the
    real file and then raises ``OSError(ENOSPC)``, as a full disk does: the file is left
    half written. Other modes are untouched.
    """
    real = os.fdopen

    class Filling:
        def __init__(self, fh):
            self._fh = fh
            self._left = nbytes

        def write(self, data) -> int:
            data = bytes(data)
            part = data[: self._left]
            self._fh.write(part)
            self._fh.flush()
            self._left -= len(part)
            if len(part) < len(data):
                raise OSError(errno.ENOSPC, "No space left on device")
            return len(part)

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            self._fh.close()

        def __getattr__(self, name):
            return getattr(self._fh, name)

    def fdopen(fd, mode="r", *args, **kwargs):
        fh = real(fd, mode, *args, **kwargs)
        return Filling(fh) if mode == "wb" else fh

    monkeypatch.setattr(os, "fdopen", fdopen)
