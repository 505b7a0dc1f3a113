"""Executing jobs: each notebook in its own kernel, locally (threads driving kernels) or on dask.

Nothing process-wide is changed: a kernel gets its environment (including the trace file its
reads are recorded in) and its working folder through its kernel manager.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from iraq_atlas.runner.cache import input_state
from iraq_atlas.runner.plan import OUTPUT_KINDS, Job, JobResult, RunOptions, job_kernel_name
from iraq_atlas.settings import ENV_TRACE, ENV_VARS

log = logging.getLogger("iraq_atlas.runner.report")

KERNEL_LOG = "_kernel.log"   # a job's kernel output (stdout, stderr), in its output folder


# -- the console ------------------------------------------------------------------
class _Silence(logging.Filter):
    """Drops every record: set on console handlers while a run writes its log file."""

    def filter(self, record: logging.LogRecord) -> bool:
        return False


def _console_handlers(logger: logging.Logger) -> list[logging.Handler]:
    import sys

    return [h for h in logger.handlers if type(h) is logging.StreamHandler
            and getattr(h, "stream", None) in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)]


def capture_console(log_path: str | os.PathLike, verbose: bool = False):
    """Send the run's log records and Python warnings to ``log_path``; the console only with ``verbose``.

    Kernel and converter notices ("Kernel is running over TCP without encryption",
    "Alternative text is missing …", warnings of the libraries a run drives) are kept in the
    run's log file. Without ``verbose`` no handler writing to the console prints anything
    meanwhile, so the console holds the progress bar and the command's summary alone.

    Parameters
    ----------
    log_path : path
        The run's log file (appended to).
    verbose : bool
        Also let the console handlers print, as ``iraq-atlas -v`` asks.

    Returns
    -------
    contextlib.AbstractContextManager
        Everything is restored on exit.

    Examples
    --------
    >>> import logging, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "run.log"
    >>> with capture_console(path):
    ...     logging.getLogger("traitlets").warning("Alternative text is missing on 1 image(s).")
    >>> "Alternative text is missing" in path.read_text()
    True
    """
    import contextlib

    @contextlib.contextmanager
    def captured():
        root = logging.getLogger()
        to_file = logging.FileHandler(log_path, encoding="utf-8")
        to_file.setLevel(logging.INFO)
        to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        loggers = [root] + [lg for lg in list(logging.root.manager.loggerDict.values())
                            if isinstance(lg, logging.Logger) and not lg.propagate and lg.handlers]
        silence = _Silence()
        silenced = [] if verbose else [h for lg in loggers for h in _console_handlers(lg)]
        for h in silenced:
            h.addFilter(silence)
        for lg in loggers:
            lg.addHandler(to_file)
        level = root.level
        root.setLevel(min(level or logging.WARNING, logging.INFO))
        logging.captureWarnings(True)
        try:
            yield
        finally:
            logging.captureWarnings(False)
            root.setLevel(level)
            for lg in loggers:
                lg.removeHandler(to_file)
            for h in silenced:
                h.removeFilter(silence)
            to_file.close()

    return captured()


def take_kernel_log(work: str | os.PathLike, slug: str, log_path: str | os.PathLike, echo=None) -> str:
    """Move a job's kernel output (:data:`KERNEL_LOG` in ``work``) to the end of the run's log file.

    Parameters
    ----------
    work : path
        The job's output folder.
    slug : str
        The job's name, written above its lines.
    log_path : path
        The run's log file.
    echo : callable, optional
        Called with the text too (``-v`` prints it).

    Returns
    -------
    str
        The kernel's output ('' when it printed nothing).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> work = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (work / KERNEL_LOG).write_text("[IPKernelApp] WARNING | Kernel is running over TCP\\n")
    >>> take_kernel_log(work, "01_places", work / "run.log").startswith("[IPKernelApp]")
    True
    >>> (work / KERNEL_LOG).exists(), "-- kernel of 01_places --" in (work / "run.log").read_text()
    (False, True)
    """
    src = Path(work) / KERNEL_LOG
    try:
        text = src.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    src.unlink()
    if text.strip():
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(f"-- kernel of {slug} --\n{text.rstrip()}\n")
        if echo is not None:
            echo(text.rstrip())
    return text


# -- executing one job ------------------------------------------------------------
def kernel_environment(trace: str | os.PathLike, environ: dict[str, str] | None = None,
                       overlay: dict[str, str | None] | None = None) -> dict[str, str]:
    """The environment a job's kernel starts with; the runner's own ``os.environ`` is never changed.

    Parameters
    ----------
    trace : path
        File the kernel appends every input it reads or probes to (``$IRAQ_ATLAS_TRACE_READS``).
    environ : dict, optional
        The whole environment of the run (default: this process's environment now).
    overlay : dict, optional
        Variables set (or, with value None, removed) on top of ``environ``: how a run's
        settings reach workers of a dask cluster started elsewhere.

    Returns
    -------
    dict
        A new mapping; nothing else is modified.
    """
    env = dict(os.environ if environ is None else environ)
    for name, value in (overlay or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    env[ENV_TRACE] = str(trace)
    return env


_STOP_LOCKS_GUARD = threading.Lock()


def stop_kernel(km, now: bool = False) -> None:
    """Shut a kernel down (politely unless ``now``), whatever thread started it; never raises.

    A job's thread and the pool (closing on an interrupt or at the end of a run)
    may both stop the same kernel: the second call waits for the first and then
    does nothing, because two shutdowns at once destroy the kernel's ZeroMQ
    context twice, which aborts the process.
    """
    from jupyter_core.utils import run_sync

    with _STOP_LOCKS_GUARD:
        lock = getattr(km, "_iraq_atlas_stop_lock", None)
        if lock is None:
            lock = threading.Lock()
            km._iraq_atlas_stop_lock = lock
    with lock:
        if getattr(km, "_iraq_atlas_stopped", False):
            return
        for kc in getattr(km, "run_clients", []):  # nbclient leaves a client of a kernel it was handed
            try:
                kc.stop_channels()
            except Exception as exc:  # already closed
                log.debug("kernel client: %s", exc)
        try:
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=now)
                km._iraq_atlas_stopped = True  # a kernel not yet started may still start: not marked
        except Exception as exc:  # already gone
            log.debug("kernel shutdown: %s", exc)


def _pool_manager_class():
    """``AsyncKernelManager`` remembering the clients it hands out, so :func:`stop_kernel` can close them."""
    from jupyter_client.manager import AsyncKernelManager

    class PoolKernelManager(AsyncKernelManager):
        def client(self, **kwargs):
            kc = super().client(**kwargs)
            self.run_clients = [*getattr(self, "run_clients", []), kc]
            return kc

    return PoolKernelManager


class KernelPool:
    """Kernels started ahead of their notebooks: each boots while earlier notebooks run.

    A kernel is started for a particular job (its environment names the job's trace file and
    its working folder is the notebook's), at most ``size`` ahead of the jobs being run. The
    kernels are plain jupyter_client ``AsyncKernelManager`` kernels, handed to papermill with
    ``km=``; any kernel not taken is shut down by :meth:`close`.

    Parameters
    ----------
    size : int
        How many kernels may wait for their notebook besides those running (0: none; every
        job starts its kernel when it starts).
    work_root : Path
        Folder holding each job's output folder (``work_root / job.slug``).
    kernel_name : str or None
        Kernel for every job (None: each notebook's own).
    environ : dict
        The run's environment (see :func:`kernel_environment`).
    """

    def __init__(self, size: int, work_root: Path, kernel_name: str | None, environ: dict[str, str]):
        import threading

        self.size, self.work_root, self.kernel_name, self.environ = max(0, size), work_root, kernel_name, environ
        self._lock = threading.Lock()
        self._ready: dict[str, Any] = {}
        self._live: set = set()
        self.closed = False

    def start(self, job: Job):
        """Start the kernel for ``job`` now and keep it until :meth:`take`.

        The kernel's own output (its log lines on stdout and stderr) goes to the job's
        :data:`KERNEL_LOG`, never to the console.
        """
        from jupyter_core.utils import run_sync

        work = self.work_root / job.slug
        work.mkdir(parents=True, exist_ok=True)
        km = _pool_manager_class()(kernel_name=self.kernel_name or job_kernel_name(job))
        with self._lock:
            if self.closed:
                return None
            self._live.add(km)
        with open(work / KERNEL_LOG, "ab") as kernel_log:  # the kernel keeps its own copy of the descriptor
            run_sync(km.start_kernel)(env=kernel_environment(work / "_reads.txt", self.environ),
                                      cwd=str(job.notebook.resolve().parent),
                                      stdout=kernel_log, stderr=kernel_log)
        with self._lock:
            if self.closed:  # closed while starting
                self._live.discard(km)
                stop_kernel(km, now=True)
                return None
            self._ready[job.slug] = km
        return km

    def fill(self, upcoming: list[Job]) -> None:
        """Start kernels for the first ``size`` of ``upcoming`` that have none yet."""
        for job in upcoming[: self.size]:
            with self._lock:
                if self.closed or job.slug in self._ready:
                    continue
                self._ready[job.slug] = None  # reserved: being started
            try:
                self.start(job)
            except Exception as exc:  # the job will start its own kernel and report the failure
                log.debug("kernel start ahead of %s failed: %s", job.slug, exc)
                with self._lock:
                    self._ready.pop(job.slug, None)

    def take(self, job: Job):
        """The kernel started for ``job``, or None (the job then starts its own)."""
        with self._lock:
            km = self._ready.pop(job.slug, None)
        return km

    def close(self, now: bool = True) -> None:
        """Shut down every kernel this pool started that is still running, taken or not."""
        with self._lock:
            self.closed = True
            live, self._live = list(self._live), set()
            self._ready.clear()
        for km in live:
            stop_kernel(km, now=now)

    def forget(self, km) -> None:
        """A taken kernel was shut down by its job."""
        with self._lock:
            self._live.discard(km)


def kernel_manager_class(env: dict[str, str], cwd: str | os.PathLike, base: type | None = None,
                         log_file: str | os.PathLike | None = None):
    """A jupyter_client ``AsyncKernelManager`` subclass whose kernels start with ``env`` in ``cwd``.

    nbclient creates the manager and starts the kernel itself (``kernel_manager_class=``); this
    class hands it the job's own environment and working folder, so concurrent jobs in one
    process (threads of a dask worker, say) never share ``os.environ`` or ``os.chdir``.

    Parameters
    ----------
    env : dict
        The kernel's complete environment (see :func:`kernel_environment`).
    cwd : path
        The kernel's working folder (the notebook's folder).
    base : type, optional
        The manager class to extend (default ``AsyncKernelManager``).
    log_file : path, optional
        File the kernel's stdout and stderr are appended to (default: inherited, the console).

    Returns
    -------
    type
        A new subclass of ``jupyter_client.manager.AsyncKernelManager``.
    """
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    fixed_env, fixed_cwd = dict(env), str(cwd)

    class JobKernelManager(base or AsyncKernelManager):
        async def start_kernel(self, **kw):  # type: ignore[override]
            kw["env"] = dict(fixed_env)
            kw["cwd"] = fixed_cwd
            if log_file is None:
                return await KernelManager._async_start_kernel(self, **kw)
            with open(log_file, "ab") as fh:  # the kernel keeps its own copy of the descriptor
                return await KernelManager._async_start_kernel(self, **kw, stdout=fh, stderr=fh)

    return JobKernelManager


def execute_job(job: Job, work_dir: str, kernel_name: str | None, timeout: int,
                cell_progress: bool = False, environ: dict[str, str] | None = None,
                overlay: dict[str, str | None] | None = None, km=None) -> JobResult:
    """Execute one notebook with papermill into ``work_dir``; never raises for notebook errors.

    Parameters
    ----------
    job : Job
        The notebook and its resolved parameters.
    work_dir : str
        Folder for the executed notebook and everything it writes.
    kernel_name : str or None
        Jupyter kernel (None: the notebook's own).
    timeout : int
        Seconds per cell.
    cell_progress : bool
        Show papermill's per-cell progress bar.
    environ, overlay : dict, optional
        The kernel's environment (see :func:`kernel_environment`): the run's environment, so a
        worker process started by an earlier run still sees this run's variables.
    km : jupyter_client.manager.AsyncKernelManager, optional
        A kernel already started for this job by :class:`KernelPool` (with the environment of
        :func:`kernel_environment` for ``work_dir``); it is shut down when the job ends. Without
        it, nbclient starts a kernel of its own.

    Returns
    -------
    JobResult
        Status, duration, error text and every input the notebook read or probed.

    Notes
    -----
    The environment and working folder reach the kernel through its kernel manager: nothing
    process-wide (``os.environ``, the current folder) is touched, so jobs may run in threads.
    HTML comes afterwards, from :func:`convert_job`.
    """
    import papermill as pm

    # papermill's own parameter inspection cannot read typed Literal[...] declarations and
    # warns about "unknown" parameters; ours were validated already, so keep its log quiet.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    trace = work / "_reads.txt"
    trace.write_text("")
    params = {**job.params, "output_dir": str(work)}
    out_nb = work / f"{job.slug}.ipynb"
    result = JobResult(job.slug, job.notebook.name, job.section, "ok", params=job.params)
    if km is None:
        kernel = {"kernel_manager_class": kernel_manager_class(kernel_environment(trace, environ, overlay),
                                                               job.notebook.resolve().parent,
                                                               log_file=work / KERNEL_LOG)}
    else:
        kernel = {"km": km}
    t0 = time.perf_counter()
    try:
        pm.execute_notebook(str(job.notebook), str(out_nb), parameters=params,
                            kernel_name=kernel_name or job_kernel_name(job), progress_bar=cell_progress,
                            log_output=False, execution_timeout=timeout, report_mode=False, **kernel)
    except Exception as exc:  # PapermillExecutionError, DeadKernelError, timeouts …
        result.status = "failed"
        result.error = _error_text(exc)
    finally:
        if km is not None:
            stop_kernel(km)
    result.duration_s = round(time.perf_counter() - t0, 2)
    reads = sorted({line.strip() for line in trace.read_text().splitlines() if line.strip()})
    result.inputs = {p: input_state(p) for p in reads}  # a path looked for and not found is an input too
    trace.unlink()
    result.stray = stray_outputs(work, job.slug)
    return result


def stray_outputs(work: str | os.PathLike, slug: str) -> list[str]:
    """Files a notebook wrote into its output folder but outside maps/, figures/ and tables/.

    They are not published (nothing would link to them); the run lists them in its
    manifest, on its index page and in the command's summary so the notebook can be fixed.

    Parameters
    ----------
    work : path
        The job's output folder (its ``output_dir``).
    slug : str
        The job's name: its executed ``<slug>.ipynb`` and ``<slug>.html`` are the runner's own.

    Returns
    -------
    list of str
        Paths relative to ``work``, sorted.
    """
    work = Path(work)
    own = {f"{slug}.ipynb", f"{slug}.html", "_reads.txt", KERNEL_LOG}
    found = []
    for f in sorted(work.rglob("*")):
        rel = f.relative_to(work)
        if f.is_file() and rel.parts[0] not in OUTPUT_KINDS and rel.as_posix() not in own:
            found.append(rel.as_posix())
    return found


def _error_text(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip()[:2000]


def execute_all(jobs: list[Job], work_root: Path, opts: RunOptions):
    """Yield (job, result) as executions finish, locally in processes or on a dask cluster."""
    if not jobs:
        return
    # a per-notebook cell bar only on request (-v) and when notebooks run one at a time:
    # parallel bars would interleave, and by default the console holds the run's bar alone
    cell_bar = opts.progress and opts.verbose and opts.jobs <= 1 and opts.executor == "local"
    if opts.executor == "dask":  # workers may be elsewhere: kernels are spawned there as usual
        yield from _execute_dask(jobs, work_root, opts, cell_bar)
        return
    yield from _execute_local(jobs, work_root, opts, cell_bar)


def _execute_dask(jobs: list[Job], work_root: Path, opts: RunOptions, cell_bar: bool):
    """Run jobs as dask tasks, never more than ``opts.jobs`` at once, even on a larger cluster.

    A local cluster has ``opts.jobs`` single-threaded workers; with ``--scheduler`` the tasks
    carry the run's library settings (:data:`~iraq_atlas.settings.ENV_VARS`) to the workers.
    """
    from distributed import Client, as_completed

    overlay = {k: os.environ.get(k) for k in ENV_VARS}
    if opts.scheduler:
        client = Client(opts.scheduler)
    else:
        client = Client(processes=True, n_workers=max(1, opts.jobs), threads_per_worker=1,
                        dashboard_address=None)
    try:
        pending = list(jobs)
        futs: dict = {}

        def submit(job: Job):
            fut = client.submit(execute_job, job, str(work_root / job.slug), opts.kernel_name, opts.timeout,
                                cell_bar, None, overlay, pure=False, key=f"nb-{job.slug}-{time.time_ns()}")
            futs[fut] = job
            return fut

        running = as_completed([submit(pending.pop(0)) for _ in range(min(max(1, opts.jobs), len(pending)))])
        for fut in running:
            job = futs.pop(fut)
            try:
                res = fut.result()
            except Exception as exc:  # the worker itself died
                res = JobResult(job.slug, job.notebook.name, job.section, "failed",
                                error=f"worker crashed: {exc}", params=job.params)
            if pending:
                running.add(submit(pending.pop(0)))
            yield job, res
    finally:
        client.close()


def _execute_local(jobs: list[Job], work_root: Path, opts: RunOptions, cell_bar: bool):
    """Run jobs in ``opts.jobs`` threads of this process, each notebook in its own kernel process.

    The threads only drive kernels (nbclient), so they need no process of their own; kernels
    come from a :class:`KernelPool` started ahead of their notebooks (``opts.kernel_pool``).
    Results are yielded as they finish; an interrupt shuts every kernel down before it returns.
    """
    import queue
    import threading

    environ = dict(os.environ)  # what the cache key saw (see execute_job)
    workers = max(1, min(opts.jobs, len(jobs)))
    size = workers if opts.kernel_pool is None else opts.kernel_pool
    pool = KernelPool(size, work_root, opts.kernel_name, environ)
    pending = list(jobs)
    lock = threading.Lock()
    done: queue.Queue = queue.Queue()
    stop = threading.Event()

    def next_job() -> Job | None:
        with lock:
            if stop.is_set() or not pending:
                return None
            job = pending.pop(0)
            upcoming = list(pending)
        pool.fill(upcoming)  # the next ones boot while this one runs
        return job

    def work() -> None:
        while (job := next_job()) is not None:
            km = pool.take(job)
            if km is None:  # none started ahead: start it now, still through the pool (so it is stopped on abort)
                try:
                    pool.start(job)
                except Exception as exc:  # nbclient starts one instead and reports why it fails
                    log.debug("kernel start for %s failed: %s", job.slug, exc)
                km = pool.take(job)
            try:
                res = execute_job(job, str(work_root / job.slug), opts.kernel_name, opts.timeout, cell_bar,
                                  environ, None, km)
            except BaseException as exc:  # noqa: BLE001 - handed to the runner's thread
                done.put((job, exc))
                return
            finally:
                if km is not None:  # normally stopped by execute_job already
                    stop_kernel(km, now=True)
                    pool.forget(km)
            done.put((job, res))

    threads = [threading.Thread(target=work, name=f"iraq-atlas-job-{i}", daemon=True) for i in range(workers)]
    for t in threads:
        t.start()
    try:
        for _ in range(len(jobs)):
            while True:
                try:
                    job, res = done.get(timeout=0.2)
                    break
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and done.empty():
                        return
            if isinstance(res, BaseException):
                raise res
            yield job, res
    finally:
        stop.set()
        pool.close(now=True)
        for t in threads:
            t.join(timeout=10)

