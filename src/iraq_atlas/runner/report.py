"""The report runner: notebooks → executed .ipynb + HTML + maps/figures/tables + index.html.

What it guarantees:
* parameters are validated against each notebook's ``parameters`` cell before any kernel starts
  (:mod:`iraq_atlas.runner.plan`, :mod:`iraq_atlas.runner.params`);
* each notebook runs in its own kernel with its own environment and working folder, ``--jobs``
  at once, locally or as tasks on a dask.distributed cluster, so one failure never stops the
  others (:mod:`iraq_atlas.runner.execute`);
* a notebook whose inputs are unchanged (notebook, parameters, every data file it read or
  looked for, library source and settings) is not re-executed: its outputs come from the
  cache, marked as reused (:mod:`iraq_atlas.runner.cache`);
* the run is built in a temporary folder and renamed into place; ``reports/latest`` only
  ever points at a finished run, so Ctrl-C leaves the previous report intact
  (:mod:`iraq_atlas.runner.publish`).

This module ties them together (:func:`run_report`); notebooks import
:func:`~iraq_atlas.runner.plan.output_folders` from the light planning module.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from iraq_atlas.errors import OutputError
from iraq_atlas.files import write_atomic
from iraq_atlas.runner import cache, execute, publish
from iraq_atlas.runner.plan import Job, JobResult, RunOptions

log = logging.getLogger("iraq_atlas.runner.report")

# what a folder that cannot take the report fails with: permissions, read-only or full disk, a file in the way
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EFBIG,
                 errno.ENOTDIR, errno.EEXIST}


def run_report(jobs: list[Job], opts: RunOptions) -> tuple[Path, list[JobResult]]:
    """Execute (or reuse) every job and publish a complete run folder.

    Only one run at a time writes into a report folder (:func:`~iraq_atlas.runner.publish.run_lock`);
    an interrupted run removes its temporary folder and leaves the previous run and ``latest``.

    Parameters
    ----------
    jobs : list of Job
        From :func:`~iraq_atlas.runner.plan.plan`.
    opts : RunOptions
        Where, how many at once, which executor, …

    Returns
    -------
    (Path, list of JobResult)
        The run folder (also ``<out>/latest``) and one result per job, in the jobs' order.

    Raises
    ------
    OutputError
        Before anything runs when ``out`` is a file or holds a file or folder named ``latest``;
        when the report cannot be written (read-only folder, full disk), with the previous
        report and ``latest`` left as they were.

    Examples
    --------
    A run of no notebook still publishes a complete, empty run folder and points ``latest`` at it
    (a real run plans its jobs with :func:`~iraq_atlas.runner.plan.discover` and
    :func:`~iraq_atlas.runner.plan.plan`, and each job starts a kernel):

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp())
    >>> run_dir, results = run_report([], RunOptions(out, progress=False))
    >>> results, sorted(p.name for p in run_dir.iterdir())
    ([], ['index.html', 'manifest.json', 'run.log'])
    >>> manifest = json.loads((run_dir / "manifest.json").read_text())
    >>> (out / "latest").resolve() == run_dir.resolve(), manifest["notebooks"], manifest["status"]
    (True, [], 'ok')
    """
    out = opts.out.resolve()
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} is a file, not a folder; give a folder for the report")
    latest = out / "latest"
    if latest.exists() and not latest.is_symlink():
        kind = "folder" if latest.is_dir() else "file"
        raise OutputError(f"{latest} is a {kind} of its own, but the runner keeps 'latest' for the link to the "
                          "newest run: move it away or choose another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with publish.run_lock(out):
            return _run_locked(jobs, opts, out)
    except OSError as exc:
        if isinstance(exc, OutputError) or exc.errno not in _WRITE_ERRNOS:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        raise OutputError(f"cannot write the report into {out}: {exc.strerror or exc}{where}; the previous "
                          "report is untouched") from None


def _run_locked(jobs: list[Job], opts: RunOptions, out: Path) -> tuple[Path, list[JobResult]]:
    cache.cache_dir(out).mkdir(exist_ok=True)
    run_id = publish.new_run_id(out)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=f".run-{run_id}-"))
    os.chmod(staging, publish.umask_mode())  # mkdtemp makes it private; the report is for readers
    try:
        with execute.capture_console(staging / publish.RUN_LOG, opts.verbose):
            return _run_staged(jobs, opts, out, run_id, staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _run_staged(jobs: list[Job], opts: RunOptions, out: Path, run_id: str,
                staging: Path) -> tuple[Path, list[JobResult]]:
    from tqdm import tqdm

    run_log = staging / publish.RUN_LOG
    started = dt.datetime.now(dt.timezone.utc)
    sweep_prefix = {j.slug: bool(j.section) for j in jobs}
    results: dict[str, JobResult] = {}
    to_run = []
    for job in jobs:
        hit = None if opts.force else cache.lookup(job, out)
        if hit is not None:
            res, entry = hit
            cache.match_page(job, res, entry, out, opts.no_input)
            results[job.slug] = res
            log.info("%-40s reused (inputs unchanged)", job.slug)
        else:
            to_run.append(job)
    # longest first: with a few workers this keeps one slow notebook from starting last
    # and running alone (see cache.expected_order)
    to_run = cache.expected_order(to_run, out)
    bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not opts.progress,
               initial=len(jobs) - len(to_run), file=sys.stderr)
    work_root = staging / "_work"
    echo = (lambda text: bar.write(text, file=sys.stderr)) if opts.verbose else None
    for job, res in execute.execute_all(to_run, work_root, opts):
        execute.take_kernel_log(work_root / job.slug, job.slug, run_log, echo)
        res = publish.convert_job(job, res, work_root / job.slug, opts.no_input)
        results[job.slug] = res
        bar.update(1)
        bar.set_postfix_str(f"{job.slug} {res.status} {res.duration_s:.1f}s")
        log.info("%-40s %s in %.1fs%s", job.slug, res.status, res.duration_s,
                 f" — {res.error}" if res.error else "")
        if res.status == "ok":
            cache.store(job, res, work_root / job.slug, out, opts.no_input)
    bar.close()
    for job in jobs:
        res = results[job.slug]
        src = (cache.cache_dir(out) / job.slug / "files") if res.cached else work_root / job.slug
        publish.collect(job, res, src, staging, sweep_prefix[job.slug])
    shutil.rmtree(work_root, ignore_errors=True)
    ordered = [results[j.slug] for j in jobs]
    finished = dt.datetime.now(dt.timezone.utc)
    manifest = publish.build_manifest(run_id, started, finished, ordered, opts)
    write_atomic(staging / "manifest.json", json.dumps(manifest, indent=1, default=str))
    search = publish.search_entries(staging, ordered)
    write_atomic(staging / "index.html", publish.index_html(manifest, ordered, opts.title, search))
    run_dir = out / run_id
    os.replace(staging, run_dir)
    publish.point_latest(out, run_id)
    return run_dir, ordered

