"""The run cache: a job whose inputs are unchanged is reused, not executed again.

A job's key has two parts: what is known before it runs (:func:`static_key`: notebook,
parameters, library source, every library setting) and what it read or looked for while it ran
(:func:`input_state` of every traced path, absent ones included). Entries live in
``<out>/.cache/<slug>/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

from iraq_atlas import __version__
from iraq_atlas.files import write_atomic
from iraq_atlas.runner.plan import Job, JobResult
from iraq_atlas.settings import ENV_VARS

_FINGERPRINT: str | None = None


def library_sources() -> list[Path]:
    """Every Python file of the installed ``iraq_atlas`` package, in a stable order."""
    package = Path(__file__).resolve().parents[1]
    return sorted(package.rglob("*.py"))


def library_fingerprint() -> str:
    """Version plus a hash of the library's own source, so an edited library invalidates the cache."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        h = hashlib.sha256(__version__.encode())
        package = Path(__file__).resolve().parents[1]
        for f in library_sources():
            h.update(f.relative_to(package).as_posix().encode())
            h.update(f.read_bytes())
        _FINGERPRINT = h.hexdigest()
    return _FINGERPRINT


ABSENT = "absent"


def input_state(path: str | os.PathLike) -> str:
    """What the cache keys an input by: a file's sha256, a folder's listing, or ``"absent"``.

    Parameters
    ----------
    path : str or os.PathLike
        A path a notebook read or looked for.

    Returns
    -------
    str
        ``sha256`` hex digest of a file; ``"dir:"`` plus the digest of a folder's sorted
        entry names; :data:`ABSENT` when nothing is there.
    """
    p = Path(path)
    if p.is_file():
        return file_hash(p)
    if p.is_dir():
        names = "\n".join(sorted(c.name for c in p.iterdir()))
        return "dir:" + hashlib.sha256(names.encode()).hexdigest()
    return ABSENT


def file_hash(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()



def static_key(job: Job) -> str:
    """Hash of what is known about ``job`` before it runs (see :meth:`Job.static_key`).

    Parameters
    ----------
    job : Job
        The job.

    Returns
    -------
    str
        sha256 hex digest.
    """
    h = hashlib.sha256()
    h.update(job.notebook.read_bytes())
    h.update(json.dumps({k: v for k, v in job.params.items() if k != "output_dir"},
                        sort_keys=True, default=str).encode())
    h.update(library_fingerprint().encode())
    h.update(json.dumps({k: os.environ.get(k) for k in ENV_VARS}, sort_keys=True).encode())
    return h.hexdigest()


def cache_dir(out: Path) -> Path:
    return out / ".cache"


def lookup(job: Job, out: Path) -> tuple[JobResult, dict] | None:
    """The cached result of an unchanged job, with its cache entry; None when it must run."""
    entry = cache_dir(out) / job.slug / "entry.json"
    if not entry.exists():
        return None
    data = json.loads(entry.read_text())
    if data.get("static_key") != job.static_key():
        return None
    for p, state in data["result"]["inputs"].items():
        if input_state(p) != state:
            return None
    res = JobResult(**data["result"])
    res.cached = True
    return res, data


def match_page(job: Job, res: JobResult, data: dict, out: Path, no_input: bool) -> None:
    """A reused result whose cached HTML (entry ``data``) was written with the other
    ``--no-input`` setting is converted again from its cached notebook; nothing is re-executed."""
    if bool(data.get("html_no_input", False)) == no_input:
        return
    from iraq_atlas.runner.publish import convert_job  # publish imports this module

    convert_job(job, res, cache_dir(out) / job.slug / "files", no_input)
    data["html_no_input"] = no_input
    write_atomic(cache_dir(out) / job.slug / "entry.json", json.dumps(data, indent=1, default=str))


def last_duration(job: Job, out: Path) -> float:
    """Seconds the job took when it last succeeded (0 if never), whatever changed since."""
    entry = cache_dir(out) / job.slug / "entry.json"
    try:
        return float(json.loads(entry.read_text())["result"]["duration_s"])
    except (OSError, ValueError, KeyError):
        return 0.0


def code_size(job: Job) -> int:
    """Characters of code in the job's notebook: a rough prior for how long it runs."""
    try:
        nb = json.loads(job.notebook.read_text(encoding="utf-8"))
        return sum(len("".join(c.get("source", ""))) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    except (OSError, ValueError):
        return 0


def expected_order(jobs: list[Job], out: Path) -> list[Job]:
    """Jobs longest first: by the last recorded duration; jobs never run here come first,
    largest notebook (characters of code) first, since nothing better is known about them."""
    known = {j.slug: last_duration(j, out) for j in jobs}
    fresh = sorted((j for j in jobs if not known[j.slug]), key=lambda j: -code_size(j))
    seen = sorted((j for j in jobs if known[j.slug]), key=lambda j: -known[j.slug])
    return fresh + seen


def store(job: Job, res: JobResult, work: Path, out: Path, no_input: bool) -> None:
    dest = cache_dir(out) / job.slug
    from iraq_atlas.runner.publish import umask_mode

    tmp = Path(tempfile.mkdtemp(dir=cache_dir(out), prefix=f".{job.slug}."))
    os.chmod(tmp, umask_mode())  # mkdtemp makes it private
    shutil.copytree(work, tmp / "files")
    (tmp / "entry.json").write_text(json.dumps({"static_key": job.static_key(), "result": asdict(res),
                                                "html_no_input": no_input}, indent=1, default=str))
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(tmp, dest)

