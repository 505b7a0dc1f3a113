"""write_atomic: whole files only, and the permissions of the umask the process started with."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import iraq_atlas
from iraq_atlas import files


def test_write_atomic_never_touches_the_process_umask(tmp_path, monkeypatch):
    calls: list[int] = []
    real = os.umask
    monkeypatch.setattr(os, "umask", lambda mask: calls.append(mask) or real(mask))
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for j in range(20):
                files.write_atomic(tmp_path / f"t{i}" / f"{j}.txt", f"{i}-{j}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and calls == []
    written = sorted(tmp_path.glob("t*/*.txt"))
    assert len(written) == 80 and not list(tmp_path.glob("t*/.*.part"))
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o666 & ~files.UMASK}
    assert (tmp_path / "t3" / "19.txt").read_text() == "3-19"


def test_write_atomic_follows_the_umask_at_import(tmp_path):
    code = ("import os, stat, sys; os.umask(0o077); from iraq_atlas.files import write_atomic; "
            "p = write_atomic(sys.argv[1], 'x'); print(oct(stat.S_IMODE(os.stat(p).st_mode)))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(iraq_atlas.__file__).parents[1]),
                                                                      os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "private.txt")], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    assert out == "0o600"
