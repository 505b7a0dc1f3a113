"""Planning a run: which notebooks, with which parameters, as which jobs — all checked before any kernel starts.

Also where things are (the shipped notebooks, the project folder) and the folders a notebook
writes into (:func:`output_folders`, which notebooks import: this module stays light).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from iraq_atlas.errors import ParameterError
from iraq_atlas.runner.params import MAPPING_PARAMS, NotebookParams, read_params, resolve

OUTPUT_KINDS = ("maps", "figures", "tables")



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

    Examples
    --------
    >>> (default_notebooks_dir() / "01_places.ipynb").is_file()
    True
    """
    packaged = package_dir() / "notebooks"
    if packaged.is_dir():
        return packaged
    root = source_root()
    return root / "notebooks" if root else packaged



@dataclass
class Job:
    """One notebook execution: a notebook with resolved parameters (one sweep value, if any).

    Parameters
    ----------
    notebook : Path
        The notebook file.
    params : dict
        Its parameters, resolved (:func:`~iraq_atlas.runner.params.resolve`).
    slug : str
        The job's name in the run folder (``01_places``, ``02_elections__governorates-IQ-BG``).
    section : str
        The sweep value's label, ``""`` outside a sweep.

    Examples
    --------
    >>> job = Job(Path("01_places.ipynb"), {"output_dir": "outputs"}, "01_places")
    >>> job.slug, job.section
    ('01_places', '')
    """

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
        from iraq_atlas.runner.cache import static_key

        return static_key(self)



@dataclass
class JobResult:
    """What one execution (or reuse) of a job produced.

    Examples
    --------
    >>> res = JobResult("01_places", "01_places.ipynb", "", "ok")
    >>> res.status, res.cached, res.outputs
    ('ok', False, [])
    """

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



@dataclass
class RunOptions:
    """How a run is made: where to, how many notebooks at once, which executor, kernel pool size.

    Examples
    --------
    >>> opts = RunOptions(Path("report"))
    >>> opts.jobs, opts.executor, opts.timeout
    (2, 'local', 900)
    """

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
    verbose: bool = False             # kernel and converter log lines on the console too (else only in run.log)



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

    Examples
    --------
    >>> [p.name for p in discover(default_notebooks_dir(), ["02", "03_incidents"])]
    ['02_elections.ipynb', '03_incidents.ipynb']
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


def plan(notebooks: list[Path], overrides: dict[str, Any], sweep: tuple[str, list[str]] | None = None,
         bases: dict[str, tuple[Path, str]] | None = None) -> list[Job]:
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
    bases : dict, optional
        For each overridden name, the folder its relative paths are read from
        and where the value came from (``"-p"``, a parameter file): a path
        parameter (``*_path``, ``*_paths``) given as a relative path is resolved
        against that folder, the current directory for any other value, and must
        exist. Kernels run in the notebooks' folder, so a path is never left
        relative.

    Returns
    -------
    list of Job
        At least one job.

    Raises
    ------
    ParameterError
        An unknown parameter, a value of the wrong type, a path that does not
        exist, a governorate or event type the library does not know, a period
        that ends before it starts, or nothing to run.
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
                _check_given(spec, params, {*given, sweep[0]}, {**(bases or {}), sweep[0]: (Path.cwd(), "--sweep")})
                slug = f"{nb.stem}__{_slug(sweep[0])}-{_slug(str(value))}"
                jobs.append(Job(nb, params, slug, f"{sweep[0]} = {value}"))
        else:
            params = resolve(spec, given)
            _check_given(spec, params, set(given), bases or {})
            jobs.append(Job(nb, params, nb.stem))
    return jobs


def _check_given(spec: NotebookParams, params: dict[str, Any], given: set[str],
                 bases: dict[str, tuple[Path, str]]) -> None:
    """Checks a notebook would make on its first cells, made on the values the user gave, before any kernel.

    Paths become absolute and must exist; ``governorates`` and ``event_types`` must be
    known to the library; ``start_date`` may not lie after ``end_date``;
    ``distance_bands_km`` must be valid edges; the mappings ``columns`` and
    ``event_type_map`` must read (a file named there is a path like the others) and name
    schema columns and ACLED event types. Values left at their defaults are the
    notebook's own and are not re-checked here (a warm run imports nothing to check them).
    """
    where = spec.notebook
    for name in sorted(given):
        p, value = spec.params[name], params[name]
        base, origin = bases.get(name, (Path.cwd(), "-p"))
        if p.is_path and str(value).strip():
            parts = [v.strip() for v in str(value).split(",")] if name.endswith("_paths") else [str(value).strip()]
            resolved = []
            for part in filter(None, parts):
                path = Path(part).expanduser()
                path = path if path.is_absolute() else base / path
                if not path.exists():
                    raise ParameterError(f"{where}: parameter {name!r} ({origin}): {part} not found "
                                         f"(looked for {path})")
                if not os.access(path, os.R_OK):
                    raise ParameterError(f"{where}: parameter {name!r} ({origin}): {path} cannot be read")
                resolved.append(str(path.resolve()))
            params[name] = ",".join(resolved)
        elif name in MAPPING_PARAMS and p.type == "str" and str(value).strip():
            params[name] = _check_mapping(spec, params, name, base, origin)
        elif name == "governorates" and value:
            from iraq_atlas.places.governorates import to_iso

            unknown = [g for g in value if to_iso(g) is None]
            if unknown:
                raise ParameterError(f"{where}: parameter 'governorates': unknown governorate(s) {unknown} "
                                     "(names, ISO 3166-2:IQ codes or OCHA p-codes)")
        elif name == "event_types" and value:
            from iraq_atlas.vocab import EVENT_TYPES

            unknown = [t for t in value if t not in EVENT_TYPES]
            if unknown:
                raise ParameterError(f"{where}: parameter 'event_types': unknown event type(s) {unknown} "
                                     f"(one of: {', '.join(EVENT_TYPES)})")
        elif name == "distance_bands_km":
            from iraq_atlas.analysis.bands import check_bands

            try:
                check_bands(value)
            except ValueError as exc:
                raise ParameterError(f"{where}: {exc}") from None
    start, end = params.get("start_date"), params.get("end_date")
    if {"start_date", "end_date"} & given and start and end and str(start) > str(end):
        raise ParameterError(f"{where}: start_date {start} lies after end_date {end}")




def _check_mapping(spec: NotebookParams, params: dict[str, Any], name: str, base: Path, origin: str) -> str:
    """A ``columns`` or ``event_type_map`` value checked as the notebook would read it; a file's path made absolute.

    The mapping must be ``NAME=VALUE`` pairs or an existing YAML/JSON file of them;
    ``columns`` must name schema columns (or their aliases), ``event_type_map`` ACLED
    event types and sub-types; and the notebook's ``incidents_path`` must name a table
    read in a format that takes a mapping.
    """
    from iraq_atlas.incidents.mappings import mapping_file, parse_mapping

    what = f"{spec.notebook}: parameter {name!r} ({origin})"
    value = str(params[name]).strip()
    path = mapping_file(value, base)
    if path is not None:
        if not path.exists():
            raise ParameterError(f"{what}: {value} not found (looked for {path})")
        if not os.access(path, os.R_OK):
            raise ParameterError(f"{what}: {path} cannot be read")
        value = str(path.resolve())
    mapping = parse_mapping(value, what)
    from iraq_atlas.incidents.sources import generic

    if name == "columns":
        for target in mapping:
            generic.target_column(target, what)
    else:
        generic.parse_event_types(mapping, what)
    if "incidents_path" in spec.params and not str(params.get("incidents_path", "")).strip():
        raise ParameterError(f"{what}: a mapping is for your own table, and incidents_path is empty "
                             "(the curated set takes none)")
    fmt = params.get("incidents_format", "auto")
    if fmt not in ("auto", "", None):
        import inspect

        from iraq_atlas.incidents.sources import get_source

        if "columns" not in inspect.signature(get_source(fmt).read).parameters:
            raise ParameterError(f"{what}: incidents_format {fmt} takes no mapping; "
                                 "mappings are for the generic and geojson formats")
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def job_kernel_name(job: Job) -> str:
    """The kernel a notebook asks for in its metadata (``python3`` when it names none)."""
    try:
        nb = json.loads(job.notebook.read_text(encoding="utf-8"))
        return nb["metadata"]["kernelspec"]["name"] or "python3"
    except (OSError, ValueError, KeyError, TypeError):
        return "python3"


def output_folders(output_dir: str | os.PathLike) -> dict[str, Path]:
    """The maps/, figures/ and tables/ folders a notebook writes into (created if missing).

    Parameters
    ----------
    output_dir : path-like
        The notebook's ``output_dir``.

    Returns
    -------
    dict of str to Path
        ``maps``, ``figures`` and ``tables``, each an existing folder inside ``output_dir``.

    Examples
    --------
    >>> import tempfile
    >>> folders = output_folders(tempfile.mkdtemp())
    >>> sorted(folders), all(f.is_dir() for f in folders.values())
    (['figures', 'maps', 'tables'], True)
    """
    base = Path(output_dir)
    folders = {kind: base / kind for kind in OUTPUT_KINDS}
    for f in folders.values():
        f.mkdir(parents=True, exist_ok=True)
    return folders

