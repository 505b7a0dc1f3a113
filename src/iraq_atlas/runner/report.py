"""The report runner: notebooks → executed .ipynb + HTML + maps/figures/tables + index.html.

What it guarantees:
* parameters are validated against each notebook's ``parameters`` cell before any kernel starts;
* each notebook runs in its own process and kernel (``--jobs`` in parallel, or as tasks on a
  dask.distributed cluster), so one failure never stops the others;
* a notebook whose inputs are unchanged (notebook, parameters, every data file it read,
  library source) is not re-executed: its outputs come from the cache, marked as reused;
* the run is built in a temporary folder and renamed into place; ``reports/latest`` only
  ever points at a finished run, so Ctrl-C leaves the previous report intact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

from iraq_atlas import __version__
from iraq_atlas.errors import ParameterError
from iraq_atlas.files import write_atomic
from iraq_atlas.runner.params import NotebookParams, read_params, resolve
from iraq_atlas.settings import ENV_TRACE, ENV_VARS
from iraq_atlas.viz.html import escape

log = logging.getLogger("iraq_atlas.runner.report")
OUTPUT_KINDS = ("maps", "figures", "tables")
# environment variables that change what a notebook computes


def package_dir() -> Path:
    """The folder of the ``iraq_atlas`` package (in site-packages once installed)."""
    return Path(__file__).resolve().parents[1]


def source_root() -> Path | None:
    """The source checkout holding the package (``src/iraq_atlas``), or None when installed from a wheel."""
    root = package_dir().parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "notebooks").is_dir() else None


def project_root() -> Path:
    """Where reports go by default (``reports/`` inside it): the source checkout, else the current folder."""
    return source_root() or Path.cwd()


def default_notebooks_dir() -> Path:
    """The notebooks shipped with the package; in a source checkout, its ``notebooks/`` folder.

    Returns
    -------
    Path
        ``iraq_atlas/notebooks`` inside an installed wheel, else ``<checkout>/notebooks``.
    """
    packaged = package_dir() / "notebooks"
    if packaged.is_dir():
        return packaged
    root = source_root()
    return root / "notebooks" if root else packaged


@dataclass
class Job:
    """One notebook execution: a notebook with resolved parameters (one sweep value, if any)."""

    notebook: Path
    params: dict[str, Any]
    slug: str
    section: str = ""          # sweep label, e.g. "governorates=IQ-BG"

    def static_key(self) -> str:
        """Hash of what is known before the job runs: notebook, parameters, library, settings.

        Returns
        -------
        str
            sha256 hex digest over the notebook file, the parameters (``output_dir`` aside),
            :func:`library_fingerprint` and every variable of :data:`~iraq_atlas.settings.ENV_VARS`
            (set or not). The files the notebook reads or probes are checked separately.
        """
        h = hashlib.sha256()
        h.update(self.notebook.read_bytes())
        h.update(json.dumps({k: v for k, v in self.params.items() if k != "output_dir"},
                            sort_keys=True, default=str).encode())
        h.update(library_fingerprint().encode())
        h.update(json.dumps({k: os.environ.get(k) for k in ENV_VARS}, sort_keys=True).encode())
        return h.hexdigest()


@dataclass
class JobResult:
    slug: str
    notebook: str
    section: str
    status: str                    # "ok", "failed"
    cached: bool = False
    duration_s: float = 0.0
    error: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)    # path → input_state()
    outputs: list[str] = field(default_factory=list)        # paths relative to the run folder
    stray: list[str] = field(default_factory=list)          # files written outside maps/ figures/ tables/
    html: str = ""
    ipynb: str = ""


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


def discover(notebooks_dir: Path, select: Iterable[str] | None = None) -> list[Path]:
    """Numbered notebooks (``NN_name.ipynb``) in reading order, optionally only the chosen numbers.

    Parameters
    ----------
    notebooks_dir : Path
        Folder to look in.
    select : iterable of str, optional
        Numbers (``01``) or names (``01_places``); all notebooks when empty.

    Returns
    -------
    list of Path
        Never empty.

    Raises
    ------
    ParameterError
        When the folder holds no numbered notebook, or a selection matches none.
    """
    notebooks_dir = Path(notebooks_dir)
    if not notebooks_dir.is_dir():
        raise ParameterError(f"notebook folder {notebooks_dir} does not exist (see --notebooks-dir)")
    nbs = sorted(p for p in notebooks_dir.glob("[0-9][0-9]_*.ipynb"))
    if not nbs:
        raise ParameterError(f"no numbered notebooks (NN_name.ipynb) in {notebooks_dir}: nothing to run")
    if select:
        wanted = [s.strip() for s in select if s.strip()]
        chosen = [p for p in nbs if any(p.name.startswith(w) or p.stem == w for w in wanted)]
        missing = [w for w in wanted if not any(p.name.startswith(w) or p.stem == w for p in nbs)]
        if missing:
            raise ParameterError(f"no notebook matches {missing} in {notebooks_dir}")
        nbs = chosen
    return nbs


def plan(notebooks: list[Path], overrides: dict[str, Any], sweep: tuple[str, list[str]] | None = None) -> list[Job]:
    """Resolve and validate every job's parameters before anything runs.

    An override must be declared by at least one selected notebook; it applies to
    each notebook that declares it. A sweep runs each notebook that declares the
    swept parameter once per value.

    Parameters
    ----------
    notebooks : list of Path
        The notebooks to run, in order.
    overrides : dict
        Parameter values (text from the command line, or objects from YAML).
    sweep : (str, list), optional
        A parameter name and the values to run it with.

    Returns
    -------
    list of Job
        At least one job.

    Raises
    ------
    ParameterError
        An unknown parameter, a value of the wrong type, or nothing to run.
    """
    if not notebooks:
        raise ParameterError("no notebooks selected: nothing to run")
    if sweep is not None and not sweep[1]:
        raise ParameterError(f"--sweep {sweep[0]}= lists no values: nothing to run")
    specs: dict[Path, NotebookParams] = {nb: read_params(nb) for nb in notebooks}
    names = set(overrides) | ({sweep[0]} if sweep else set())
    for name in names:
        if not any(name in s.params for s in specs.values()):
            listing = "; ".join(f"{s.notebook}: {', '.join(s.params) or 'none'}" for s in specs.values())
            raise ParameterError(f"unknown parameter {name!r}: no selected notebook declares it ({listing})")
    jobs: list[Job] = []
    for nb, spec in specs.items():
        given = {k: v for k, v in overrides.items() if k in spec.params}
        if "output_dir" not in spec.params:
            raise ParameterError(f"{nb.name}: the parameters cell must declare output_dir")
        if sweep and sweep[0] in spec.params:
            for value in sweep[1]:
                params = resolve(spec, {**given, sweep[0]: value})
                slug = f"{nb.stem}__{_slug(sweep[0])}-{_slug(str(value))}"
                jobs.append(Job(nb, params, slug, f"{sweep[0]} = {value}"))
        else:
            jobs.append(Job(nb, resolve(spec, given), nb.stem))
    return jobs


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


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


def job_kernel_name(job: Job) -> str:
    """The kernel a notebook asks for in its metadata (``python3`` when it names none)."""
    try:
        nb = json.loads(job.notebook.read_text(encoding="utf-8"))
        return nb["metadata"]["kernelspec"]["name"] or "python3"
    except (OSError, ValueError, KeyError, TypeError):
        return "python3"


def stop_kernel(km, now: bool = False) -> None:
    """Shut a kernel down (politely unless ``now``), whatever thread started it; never raises."""
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=now)
    except Exception as exc:  # already gone
        log.debug("kernel shutdown: %s", exc)


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
        """Start the kernel for ``job`` now and keep it until :meth:`take`."""
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        work = self.work_root / job.slug
        work.mkdir(parents=True, exist_ok=True)
        km = AsyncKernelManager(kernel_name=self.kernel_name or job_kernel_name(job))
        with self._lock:
            if self.closed:
                return None
            self._live.add(km)
        run_sync(km.start_kernel)(env=kernel_environment(work / "_reads.txt", self.environ),
                                  cwd=str(job.notebook.resolve().parent))
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


def kernel_manager_class(env: dict[str, str], cwd: str | os.PathLike, base: type | None = None):
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
            return await KernelManager._async_start_kernel(self, **kw)

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
                                                               job.notebook.resolve().parent)}
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
    own = {f"{slug}.ipynb", f"{slug}.html", "_reads.txt"}
    found = []
    for f in sorted(work.rglob("*")):
        rel = f.relative_to(work)
        if f.is_file() and rel.parts[0] not in OUTPUT_KINDS and rel.as_posix() not in own:
            found.append(rel.as_posix())
    return found


def convert_job(job: Job, result: JobResult, work_dir: str | os.PathLike, no_input: bool) -> JobResult:
    """Write ``<slug>.html`` next to the executed notebook; a failed conversion fails the job.

    The runner calls this in its own process as each execution finishes, so the workers
    go straight on to the next notebook.
    """
    work = Path(work_dir)
    out_nb = work / f"{job.slug}.ipynb"
    if out_nb.exists():
        try:
            html = notebook_html(out_nb, no_input=no_input)
            write_atomic(work / f"{job.slug}.html", html)
        except Exception as exc:  # a broken notebook still gets its .ipynb
            result.error = result.error or f"HTML conversion failed: {exc}"
            result.status = "failed"
    return result


def _error_text(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip()[:2000]


_EXTERNAL_TAG = re.compile(r"<script[^>]+src=[\"']https?://[^\"']+[\"'][^>]*>\s*</script>|"
                           r"<link[^>]+href=[\"']https?://[^\"']+[\"'][^>]*>", re.I)


def notebook_html(path: Path, *, no_input: bool = False) -> str:
    """nbconvert HTML (lab template, images embedded) with no script or style fetched from the network."""
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    exporter = HTMLExporter(template_name="lab", exclude_input=no_input, exclude_input_prompt=no_input,
                            exclude_output_prompt=no_input, embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    # require.js and MathJax come from CDNs in the lab template; the suite needs neither.
    return _EXTERNAL_TAG.sub("", body)


# -- the run ---------------------------------------------------------------------
@dataclass
class RunOptions:
    out: Path
    jobs: int = 2
    force: bool = False
    no_input: bool = False
    executor: str = "local"           # "local" or "dask"
    scheduler: str | None = None
    kernel_name: str | None = None
    timeout: int = 900
    progress: bool = True
    kernel_pool: int | None = None    # kernels started ahead of their notebooks (None: one per job slot)
    title: str = "Iraq Atlas report"


def _cache_dir(out: Path) -> Path:
    return out / ".cache"


def _cache_lookup(job: Job, out: Path) -> tuple[JobResult, dict] | None:
    """The cached result of an unchanged job, with its cache entry; None when it must run."""
    entry = _cache_dir(out) / job.slug / "entry.json"
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


def _match_page(job: Job, res: JobResult, data: dict, out: Path, no_input: bool) -> None:
    """A reused result whose cached HTML (entry ``data``) was written with the other
    ``--no-input`` setting is converted again from its cached notebook; nothing is re-executed."""
    if bool(data.get("html_no_input", False)) == no_input:
        return
    convert_job(job, res, _cache_dir(out) / job.slug / "files", no_input)
    data["html_no_input"] = no_input
    write_atomic(_cache_dir(out) / job.slug / "entry.json", json.dumps(data, indent=1, default=str))


def _last_duration(job: Job, out: Path) -> float:
    """Seconds the job took when it last succeeded (0 if never), whatever changed since."""
    entry = _cache_dir(out) / job.slug / "entry.json"
    try:
        return float(json.loads(entry.read_text())["result"]["duration_s"])
    except (OSError, ValueError, KeyError):
        return 0.0


def _code_size(job: Job) -> int:
    """Characters of code in the job's notebook: a rough prior for how long it runs."""
    try:
        nb = json.loads(job.notebook.read_text(encoding="utf-8"))
        return sum(len("".join(c.get("source", ""))) for c in nb.get("cells", []) if c.get("cell_type") == "code")
    except (OSError, ValueError):
        return 0


def _expected_order(jobs: list[Job], out: Path) -> list[Job]:
    """Jobs longest first: by the last recorded duration; jobs never run here come first,
    largest notebook (characters of code) first, since nothing better is known about them."""
    known = {j.slug: _last_duration(j, out) for j in jobs}
    fresh = sorted((j for j in jobs if not known[j.slug]), key=lambda j: -_code_size(j))
    seen = sorted((j for j in jobs if known[j.slug]), key=lambda j: -known[j.slug])
    return fresh + seen


def _cache_store(job: Job, res: JobResult, work: Path, out: Path, no_input: bool) -> None:
    dest = _cache_dir(out) / job.slug
    tmp = Path(tempfile.mkdtemp(dir=_cache_dir(out), prefix=f".{job.slug}."))
    shutil.copytree(work, tmp / "files")
    (tmp / "entry.json").write_text(json.dumps({"static_key": job.static_key(), "result": asdict(res),
                                                "html_no_input": no_input}, indent=1, default=str))
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(tmp, dest)


def _collect(job: Job, res: JobResult, work: Path, run_dir: Path, sweep_prefix: bool) -> None:
    """Move one job's files into the run folder layout and list them in the result."""
    nb_dir = run_dir / "notebooks"
    nb_dir.mkdir(exist_ok=True)
    outputs = []
    for kind in OUTPUT_KINDS:
        src = work / kind
        if not src.is_dir():
            continue
        for f in sorted(src.rglob("*")):
            if f.is_file():
                rel = Path(kind) / (job.slug if sweep_prefix else "") / f.relative_to(src)
                (run_dir / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, run_dir / rel)
                outputs.append(rel.as_posix())
    if (work / f"{job.slug}.ipynb").exists():
        shutil.copy2(work / f"{job.slug}.ipynb", nb_dir / f"{job.slug}.ipynb")
        res.ipynb = f"notebooks/{job.slug}.ipynb"
    if (work / f"{job.slug}.html").exists():
        shutil.copy2(work / f"{job.slug}.html", run_dir / f"{job.slug}.html")
        res.html = f"{job.slug}.html"
    res.outputs = outputs


def _new_run_id(out: Path) -> str:
    base = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_id, n = base, 1
    while (out / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def run_report(jobs: list[Job], opts: RunOptions) -> tuple[Path, list[JobResult]]:
    """Execute (or reuse) every job and publish a complete run folder; returns (run dir, results)."""
    from tqdm import tqdm

    out = opts.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    _cache_dir(out).mkdir(exist_ok=True)
    run_id = _new_run_id(out)
    staging = Path(tempfile.mkdtemp(dir=out, prefix=f".run-{run_id}-"))
    started = dt.datetime.now(dt.timezone.utc)
    sweep_prefix = {j.slug: bool(j.section) for j in jobs}
    results: dict[str, JobResult] = {}
    try:
        to_run = []
        for job in jobs:
            hit = None if opts.force else _cache_lookup(job, out)
            if hit is not None:
                res, entry = hit
                _match_page(job, res, entry, out, opts.no_input)
                results[job.slug] = res
                log.info("%-40s reused (inputs unchanged)", job.slug)
            else:
                to_run.append(job)
        # longest first: with a few workers this keeps one slow notebook from starting last
        # and running alone (see _expected_order)
        to_run = _expected_order(to_run, out)
        bar = tqdm(total=len(jobs), desc="notebooks", unit="nb", disable=not opts.progress,
                   initial=len(jobs) - len(to_run), file=sys.stderr)
        work_root = staging / "_work"
        for job, res in _execute_all(to_run, work_root, opts):
            res = convert_job(job, res, work_root / job.slug, opts.no_input)
            results[job.slug] = res
            bar.update(1)
            bar.set_postfix_str(f"{job.slug} {res.status} {res.duration_s:.1f}s")
            log.info("%-40s %s in %.1fs%s", job.slug, res.status, res.duration_s,
                     f" — {res.error}" if res.error else "")
            if res.status == "ok":
                _cache_store(job, res, work_root / job.slug, out, opts.no_input)
        bar.close()
        for job in jobs:
            res = results[job.slug]
            src = (_cache_dir(out) / job.slug / "files") if res.cached else work_root / job.slug
            _collect(job, res, src, staging, sweep_prefix[job.slug])
        shutil.rmtree(work_root, ignore_errors=True)
        ordered = [results[j.slug] for j in jobs]
        finished = dt.datetime.now(dt.timezone.utc)
        manifest = build_manifest(run_id, started, finished, ordered, opts)
        write_atomic(staging / "manifest.json", json.dumps(manifest, indent=1, default=str))
        write_atomic(staging / "index.html", index_html(manifest, ordered, opts.title))
        run_dir = out / run_id
        os.replace(staging, run_dir)
        _point_latest(out, run_id)
        return run_dir, ordered
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _execute_all(jobs: list[Job], work_root: Path, opts: RunOptions):
    """Yield (job, result) as executions finish, locally in processes or on a dask cluster."""
    if not jobs:
        return
    # a per-notebook cell bar only when notebooks run one at a time: parallel bars would interleave
    cell_bar = opts.progress and opts.jobs <= 1 and opts.executor == "local"
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


def _point_latest(out: Path, run_id: str) -> None:
    link = out / "latest"
    tmp = out / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, link)


def build_manifest(run_id: str, started, finished, results: list[JobResult], opts: RunOptions) -> dict:
    """Everything needed to tell what a run was made from."""
    from importlib.metadata import PackageNotFoundError, version

    pkgs = {}
    for name in ("pandas", "geopandas", "shapely", "pyproj", "folium", "matplotlib", "papermill",
                 "nbconvert", "nbclient", "rapidfuzz", "pandera", "dateparser"):
        try:
            pkgs[name] = version(name)
        except PackageNotFoundError:
            pkgs[name] = None
    inputs: dict[str, str] = {}
    for r in results:
        inputs.update(r.inputs)
    return {
        "run_id": run_id, "title": opts.title,
        "started": started.isoformat(), "finished": finished.isoformat(),
        "iraq_atlas": __version__, "library_fingerprint": library_fingerprint(),
        "python": platform.python_version(), "packages": pkgs,
        "executor": opts.executor, "jobs": opts.jobs, "no_input": opts.no_input,
        "kernel_pool": opts.kernel_pool,
        "stray_outputs": {r.slug: r.stray for r in results if r.stray},
        "inputs": inputs,
        "notebooks": [asdict(r) for r in results],
        "status": "failed" if any(r.status != "ok" for r in results) else "ok",
    }


def index_html(manifest: dict, results: list[JobResult], title: str) -> str:
    """The landing page: run facts, parameters, notebooks with status, figures, maps, tables. No network."""
    rows, figures, maps, tables = [], [], [], []
    for r in results:
        status = "reused" if r.cached else r.status
        cls = {"ok": "ok", "reused": "ok", "failed": "failed"}[status]
        link = f'<a href="{escape(r.html)}">{escape(r.notebook)}</a>' if r.html else escape(r.notebook)
        nb_link = f' · <a href="{escape(r.ipynb)}">.ipynb</a>' if r.ipynb else ""
        params = ", ".join(f"{escape(k)}={escape(v)}" for k, v in r.params.items() if k != "output_dir")
        rows.append(f"<tr class='{cls}'><td>{link}{nb_link}</td><td>{escape(r.section)}</td>"
                    f"<td class='status'>{escape(status)}</td><td>{r.duration_s:.1f} s</td>"
                    f"<td class='err'>{escape(r.error)}</td><td class='params'>{params}</td></tr>")
        for o in r.outputs:
            if o.startswith("figures/") and o.endswith(".png"):
                figures.append(f'<figure><a href="{escape(o)}"><img src="{escape(o)}" alt="{escape(o)}"></a>'
                               f'<figcaption>{escape(Path(o).name)}</figcaption></figure>')
            elif o.startswith("maps/") and o.endswith(".html") and "/assets/" not in o:
                maps.append(f'<li><a href="{escape(o)}">{escape(Path(o).name)}</a> <small>({escape(r.notebook)})</small></li>')
            elif o.startswith("tables/"):
                tables.append(f'<li><a href="{escape(o)}">{escape(Path(o).name)}</a> <small>({escape(r.notebook)})</small></li>')
    status = manifest["status"]
    stray = manifest.get("stray_outputs") or {}
    warning = ""
    if stray:
        items = "".join(f"<li>{escape(slug)}: {escape(', '.join(files))}</li>" for slug, files in stray.items())
        warning = (f'<div id="stray"><p><b>Not published:</b> files written outside maps/, figures/ and '
                   f'tables/ of the output folder:</p><ul>{items}</ul></div>')
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}}
table{{border-collapse:collapse;width:100%}} td,th{{border-bottom:1px solid #ddd;padding:.4rem;text-align:left;vertical-align:top}}
tr.failed td.status{{color:#b71c1c;font-weight:bold}} tr.ok td.status{{color:#1b5e20}}
td.err{{color:#b71c1c;font-family:monospace;font-size:.85em;max-width:320px;overflow-wrap:anywhere}}
td.params{{font-size:.8em;color:#555;max-width:300px;overflow-wrap:anywhere}}
.figs{{display:flex;flex-wrap:wrap;gap:1rem}} figure{{margin:0;width:240px}} figure img{{width:240px;height:160px;object-fit:contain;border:1px solid #ddd}}
figcaption{{font-size:.8em;color:#555;overflow-wrap:anywhere}} .meta{{color:#555}}
</style></head><body>
<h1>{escape(title)}</h1>
<p class="meta">Run <code>{escape(manifest['run_id'])}</code> · started {escape(manifest['started'])} · finished {escape(manifest['finished'])} ·
status <b id="run-status">{escape(status)}</b> · iraq-atlas {escape(manifest['iraq_atlas'])} · <a href="manifest.json">manifest.json</a></p>
{warning}<h2>Notebooks</h2>
<table id="notebooks"><thead><tr><th>Notebook</th><th>Section</th><th>Status</th><th>Duration</th><th>Error</th><th>Parameters</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>Key figures</h2><div class="figs" id="figures">{''.join(figures) or '<p>No figures.</p>'}</div>
<h2>Maps</h2><ul id="maps">{''.join(maps) or '<li>No maps.</li>'}</ul>
<h2>Data tables</h2><ul id="tables">{''.join(tables) or '<li>No tables.</li>'}</ul>
<p class="meta">Maps and pages work offline: every script and style is inside the files.</p>
</body></html>
"""


def output_folders(output_dir: str | os.PathLike) -> dict[str, Path]:
    """The maps/, figures/ and tables/ folders a notebook writes into (created if missing)."""
    base = Path(output_dir)
    folders = {kind: base / kind for kind in OUTPUT_KINDS}
    for f in folders.values():
        f.mkdir(parents=True, exist_ok=True)
    return folders
