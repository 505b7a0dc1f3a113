"""Publishing a run: HTML pages, the run folder layout, manifest, index page and ``latest``."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
from dataclasses import asdict
from pathlib import Path

from iraq_atlas import __version__
from iraq_atlas.errors import RunLocked
from iraq_atlas.files import write_atomic
from iraq_atlas.html import escape, note_html
from iraq_atlas.runner.cache import library_fingerprint
from iraq_atlas.runner.plan import OUTPUT_KINDS, Job, JobResult, RunOptions

RUN_LOG = "run.log"   # kernel and converter log lines of a run, linked from its index page


def convert_job(job: Job, result: JobResult, work_dir: str | os.PathLike, no_input: bool) -> JobResult:
    """Write ``<slug>.html`` next to the executed notebook; a failed conversion fails the job.

    The executed notebook is tidied for readers first (:func:`tidy_notebook`): its parameters
    cell shows the run's values, not the temporary folder it ran in, and library warnings
    become one-line notes. The runner calls this in its own process as each execution
    finishes, so the workers go straight on to the next notebook.
    """
    import nbformat

    work = Path(work_dir)
    out_nb = work / f"{job.slug}.ipynb"
    if out_nb.exists():
        try:
            nb = nbformat.read(out_nb, as_version=4)
            if tidy_notebook(nb, job):
                write_atomic(out_nb, nbformat.writes(nb))
            html = notebook_html(out_nb, no_input=no_input)
            write_atomic(work / f"{job.slug}.html", html)
        except Exception as exc:  # a broken notebook still gets its .ipynb
            result.error = result.error or f"HTML conversion failed: {exc}"
            result.status = "failed"
    return result


def _literal(value) -> str:
    """Python source for a parameter value, text as it is written (Arabic stays Arabic)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return repr(value)


def parameters_source(job: Job) -> str:
    """The injected parameters cell as a reader should see it: the run's values, no run folder.

    Values that differ from the notebook's own defaults are marked; ``output_dir`` (a
    temporary folder while the notebook ran) is replaced by a note on where its files went.

    Parameters
    ----------
    job : Job
        The job (its notebook and resolved parameters).

    Returns
    -------
    str
        Python source.

    Examples
    --------
    >>> import tempfile, nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> cell = nbformat.v4.new_code_cell('names: list[str] = []  # names\\noutput_dir: str = "o"  # out')
    >>> cell.metadata["tags"] = ["parameters"]
    >>> nb.cells = [cell]
    >>> path = Path(tempfile.mkdtemp()) / "01_x.ipynb"
    >>> nbformat.write(nb, path)
    >>> job = Job(path, {"names": ["المنطقة الخضراء"], "output_dir": "/tmp/.run-1/_work/01_x"}, "01_x")
    >>> print(parameters_source(job))
    # Parameters of this run
    names = ["المنطقة الخضراء"]  # set for this run
    # output_dir: this report's maps/, figures/ and tables/ folders
    """
    from iraq_atlas.runner.params import read_params

    try:
        defaults = {n: p.default for n, p in read_params(job.notebook).params.items()}
    except Exception:  # the notebook changed since it ran: no marks
        defaults = {}
    lines = ["# Parameters of this run"]
    for name, value in job.params.items():
        if name == "output_dir":
            continue
        mark = "  # set for this run" if name in defaults and defaults[name] != value else ""
        lines.append(f"{name} = {_literal(value)}{mark}")
    if "output_dir" in job.params:
        lines.append("# output_dir: this report's maps/, figures/ and tables/ folders")
    return "\n".join(lines)


_WARNING_LINE = re.compile(r"^(?P<where>\S.*?):(?P<line>\d+): (?P<kind>\w*Warning): (?P<message>.*)$")


def warning_notes(text: str) -> tuple[list[str], str]:
    """Split stderr text into the warnings it holds (as one-line notes) and the rest.

    Python prints a warning as ``file:line: Category: message`` followed by the source
    line that raised it, indented; a reader needs the message only.

    Parameters
    ----------
    text : str
        A cell's stderr.

    Returns
    -------
    (list of str, str)
        One note per distinct warning, and whatever stderr text was not a warning.

    Examples
    --------
    >>> warning_notes("/x/boundaries.py:12: UserWarning: download failed; embedded boundaries used\\n"
    ...               "  warnings.warn(msg)\\n")
    (['download failed; embedded boundaries used'], '')
    """
    notes: list[str] = []
    rest: list[str] = []
    in_warning = False
    for line in text.splitlines():
        m = _WARNING_LINE.match(line)
        if m:
            message = m.group("message").strip()
            if message and message not in notes:
                notes.append(message)
            in_warning = True
        elif in_warning and (line.startswith((" ", "\t")) or not line.strip()):
            continue  # the source line echoed under a warning
        else:
            in_warning = False
            rest.append(line)
    leftover = "\n".join(rest).strip()
    return notes, (leftover + "\n" if leftover else "")


def _note_output(message: str):
    import nbformat

    return nbformat.v4.new_output("display_data", data={"text/html": note_html(message),
                                                         "text/plain": f"Note: {message}"})


def tidy_notebook(nb, job: Job) -> bool:
    """Make an executed notebook fit for readers, in place; True when anything changed.

    * the cell papermill injected (tagged ``injected-parameters``) shows
      :func:`parameters_source`, and papermill's record of the run in the notebook's
      metadata names no temporary folder;
    * warnings on a cell's stderr become one short note each (:func:`warning_notes`);
      other stderr text stays as it is.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook.
    job : Job
        Its job.

    Returns
    -------
    bool
        Whether the notebook was changed.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> cell = nbformat.v4.new_code_cell("x = 1")
    >>> cell.outputs = [nbformat.v4.new_output("stream", name="stderr",
    ...                                        text="/a.py:3: UserWarning: slow path\\n  warn()\\n")]
    >>> nb.cells = [cell]
    >>> tidy_notebook(nb, Job(Path("01_x.ipynb"), {}, "01_x")), nb.cells[0].outputs[0]["data"]["text/plain"]
    (True, 'Note: slow path')
    """
    changed = False
    record = nb.get("metadata", {}).get("papermill")
    if record is not None:  # the temporary folder the notebook ran in is gone once the run is published
        params = {k: v for k, v in (record.get("parameters") or {}).items() if k != "output_dir"}
        if record.get("parameters") != params or record.get("output_path") != f"{job.slug}.ipynb":
            record["parameters"], record["output_path"], changed = params, f"{job.slug}.ipynb", True
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            source = parameters_source(job)
            if cell.source != source:
                cell.source, changed = source, True
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                notes, rest = warning_notes(out.get("text", ""))
                if notes:
                    changed = True
                    outputs.extend(_note_output(n) for n in notes)
                    if rest:
                        out["text"] = rest
                        outputs.append(out)
                    continue
            outputs.append(out)
        if "outputs" in cell:
            cell.outputs = outputs
    return changed


_EXTERNAL_TAG = re.compile(r"<script[^>]+src=[\"']https?://[^\"']+[\"'][^>]*>\s*</script>|"
                           r"<link[^>]+href=[\"']https?://[^\"']+[\"'][^>]*>", re.I)


# The --no-input edition is for readers: tables show their reader headers (see viz.tables).
READER_STYLE = ("<style>html .ia-table .ia-code{display:none} html .ia-table .ia-reader{display:inline}</style>")


def notebook_html(path: Path, *, no_input: bool = False) -> str:
    """nbconvert HTML (lab template, images embedded) with no script or style fetched from the network.

    In the ``--no-input`` edition tables drawn by :func:`iraq_atlas.viz.tables.show_table`
    show their reader headers.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    exporter = HTMLExporter(template_name="lab", exclude_input=no_input, exclude_input_prompt=no_input,
                            exclude_output_prompt=no_input, embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    # require.js and MathJax come from CDNs in the lab template; the suite needs neither.
    body = _EXTERNAL_TAG.sub("", body)
    if no_input:
        body = body.replace("</head>", READER_STYLE + "\n</head>", 1)
    return body


def collect(job: Job, res: JobResult, work: Path, run_dir: Path, sweep_prefix: bool) -> None:
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


def new_run_id(out: Path) -> str:
    """A run id no other run has: local time to the second, then a number if that is taken.

    The caller holds :func:`run_lock` on ``out``, so no other run picks the same id meanwhile.
    """
    base = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_id, n = base, 1
    while (out / run_id).exists() or any(out.glob(f".run-{run_id}-*")):
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def run_lock(out: Path):
    """Hold ``<out>/.lock`` for the duration of a run; fail at once if another run holds it.

    Parameters
    ----------
    out : Path
        The report folder.

    Returns
    -------
    contextlib.AbstractContextManager
        Entering takes the lock (an ``flock``, released by the system if the process dies).

    Raises
    ------
    RunLocked
        When another process is running a report into ``out``.
    """
    import contextlib
    import fcntl

    @contextlib.contextmanager
    def held():
        fh = open(out / ".lock", "a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise RunLocked(f"another report run ({holder}) is writing into {out}; "
                                "wait for it to finish or choose another --out") from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"pid {os.getpid()}")
            fh.flush()
            yield
        finally:
            fh.close()

    return held()


def umask_mode(directory: bool = True) -> int:
    """Permissions the user's umask gives a new folder (or file)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


def point_latest(out: Path, run_id: str) -> None:
    link = out / "latest"
    tmp = out / f".latest-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_id, target_is_directory=True)
    os.replace(tmp, link)


_BOUNDARY_SUFFIXES = (".geojson", ".shp", ".gpkg", ".topojson")


def _date_of(path: Path) -> str:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc).date().isoformat()
    except OSError:
        return ""


def _shown_path(path: Path) -> str:
    """A path as the index shows it: inside the project (or the package's data) relative to it."""
    from iraq_atlas.runner.plan import project_root

    for root in (project_root(), Path(__file__).resolve().parents[1]):
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def input_sources(inputs: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """The boundaries and the data folders a run read, for its index page and manifest.

    Parameters
    ----------
    inputs : dict
        Every input of the run (path → :func:`~iraq_atlas.runner.cache.input_state`).

    Returns
    -------
    (list of dict, list of dict)
        Boundary files (``path``, ``modified``, and from a ``metadata.json`` beside them the
        ``source``, ``producer``, ``valid_on``, ``licence``, ``url``), and data folders
        (``folder``, ``files``, ``modified``: the newest file's date, UTC).

    Examples
    --------
    >>> input_sources({"/nowhere/x.csv": "absent"})
    ([], [])
    """
    boundaries: list[dict] = []
    folders: dict[Path, list[Path]] = {}
    for name, state in sorted(inputs.items()):
        path = Path(name)
        if state == "absent" or state.startswith("dir:") or not path.is_file():
            continue
        if path.suffix.lower() in _BOUNDARY_SUFFIXES and "boundar" in path.as_posix().lower():
            row = {"path": _shown_path(path), "modified": _date_of(path)}
            meta = path.parent / "metadata.json"
            if meta.is_file():
                try:
                    src = json.loads(meta.read_text(encoding="utf-8")).get("source", {})
                except (OSError, ValueError):
                    src = {}
                row.update({k: src.get(k, "") for k in ("producer", "valid_on", "licence", "url")},
                           source=src.get("name", ""))
            boundaries.append(row)
        else:
            folders.setdefault(path.parent, []).append(path)
    sources = [{"folder": _shown_path(folder), "files": len(files),
                "modified": max((_date_of(f) for f in files), default="")}
               for folder, files in sorted(folders.items())]
    return boundaries, sources


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
    boundaries, sources = input_sources(inputs)
    return {
        "run_id": run_id, "title": opts.title,
        "started": started.isoformat(), "finished": finished.isoformat(),
        "iraq_atlas": __version__, "library_fingerprint": library_fingerprint(),
        "python": platform.python_version(), "packages": pkgs,
        "executor": opts.executor, "jobs": opts.jobs, "no_input": opts.no_input,
        "kernel_pool": opts.kernel_pool,
        "stray_outputs": {r.slug: r.stray for r in results if r.stray},
        "inputs": inputs, "boundaries": boundaries, "sources": sources,
        "notebooks": [asdict(r) for r in results],
        "status": "failed" if any(r.status != "ok" for r in results) else "ok",
    }


def search_entries(run_dir: Path, results: list[JobResult], limit: int = 20000) -> list[dict]:
    """What the index's search box searches: each page's title, link and text.

    The text is the notebook's markdown and its plain-text outputs (``text/plain``, printed
    text), at most ``limit`` characters a page.

    Parameters
    ----------
    run_dir : Path
        The run folder (holding ``notebooks/<slug>.ipynb``).
    results : list of JobResult
        The run's results.
    limit : int
        Characters kept per page.

    Returns
    -------
    list of dict
        ``{"title", "href", "section", "text"}`` per page with HTML.

    Examples
    --------
    >>> search_entries(Path("."), [])
    []
    """
    def joined(value) -> str:  # a notebook's JSON keeps text as one string or as a list of lines
        return "".join(value) if isinstance(value, list) else str(value or "")

    entries = []
    for r in results:
        if not r.html:
            continue
        title, parts = r.notebook, []
        nb_path = run_dir / r.ipynb if r.ipynb else None
        if nb_path is not None and nb_path.is_file():
            # the JSON as written (a warm run publishes from the cache without Jupyter's libraries)
            nb = json.loads(nb_path.read_text(encoding="utf-8"))
            for cell in nb.get("cells", []):
                if cell.get("cell_type") == "markdown":
                    text = joined(cell.get("source"))
                    if title == r.notebook:
                        heading = next((ln.lstrip("#").strip() for ln in text.splitlines() if ln.startswith("#")), "")
                        title = heading or title
                    parts.append(text)
                for out in cell.get("outputs", []):
                    if out.get("output_type") == "stream" and out.get("name") == "stdout":
                        parts.append(joined(out.get("text")))
                    elif "data" in out and "text/plain" in out["data"] and not any(
                            kind.startswith("image/") for kind in out["data"]):  # not "<Figure size …>"
                        parts.append(joined(out["data"]["text/plain"]))
        text = " ".join(" ".join(parts).split())[:limit]
        entries.append({"title": title, "href": r.html, "section": r.section, "notebook": r.notebook,
                        "text": text})
    return entries


def _json_for_script(data) -> str:
    """JSON to sit inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` left to end it."""
    return (json.dumps(data, ensure_ascii=False).replace("&", "\\u0026").replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# Plain JavaScript, no data inside: it reads the JSON index and inserts text with textContent only.
SEARCH_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("search-data").textContent);
  var box = document.getElementById("search"), list = document.getElementById("search-results");
  var safeHref = /^[A-Za-z0-9_.-]+\\.html$/;
  function show() {
    var q = box.value.trim().toLowerCase();
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!q) return;
    data.forEach(function (p) {
      var at = p.text.toLowerCase().indexOf(q);
      var named = (p.title + " " + p.section + " " + p.notebook).toLowerCase().indexOf(q) >= 0;
      if (at < 0 && !named) return;
      var li = document.createElement("li"), a = document.createElement("a");
      if (safeHref.test(p.href)) a.href = p.href;
      a.textContent = p.title + (p.section ? " (" + p.section + ")" : "");
      li.appendChild(a);
      if (at >= 0) {
        var s = document.createElement("small");
        s.textContent = " \\u2026" + p.text.slice(Math.max(0, at - 60), at + q.length + 60) + "\\u2026";
        li.appendChild(s);
      }
      list.appendChild(li);
    });
    if (!list.firstChild) {
      var none = document.createElement("li");
      none.textContent = "No page mentions \\u201c" + box.value.trim() + "\\u201d.";
      list.appendChild(none);
    }
  }
  box.addEventListener("input", show);
  show();
})();
"""


def _label(r: JobResult) -> str:
    return f"{r.notebook} · {r.section}" if r.section else r.notebook


def _facts_html(manifest: dict, results: list[JobResult]) -> str:
    """The index's "What was run" section: boundaries, data sources, versions, parameters."""
    parts = []
    bounds = manifest.get("boundaries") or []
    if bounds:
        items = "".join(
            f"<li><code>{escape(b['path'])}</code>"
            + (f" — {escape(b.get('source'))}, {escape(b.get('producer'))}, valid on {escape(b.get('valid_on'))},"
               f" {escape(b.get('licence'))}" if b.get("source") else "")
            + f" <small>(file of {escape(b['modified'])})</small></li>" for b in bounds)
        parts.append(f'<h3>Boundaries</h3><ul id="boundaries">{items}</ul>')
    sources = manifest.get("sources") or []
    if sources:
        rows = "".join(f"<tr><td><code>{escape(s['folder'])}</code></td><td>{s['files']}</td>"
                       f"<td>{escape(s['modified'])}</td></tr>" for s in sources)
        parts.append('<h3>Data sources</h3><table id="sources"><thead><tr><th>Folder</th><th>Files read</th>'
                     f"<th>Last modified</th></tr></thead><tbody>{rows}</tbody></table>")
    pkgs = manifest.get("packages") or {}
    if pkgs or manifest.get("python"):
        items = [f"iraq-atlas {escape(manifest.get('iraq_atlas', ''))}", f"Python {escape(manifest.get('python', ''))}"]
        items += [f"{escape(k)} {escape(v or 'not installed')}" for k, v in pkgs.items()]
        parts.append(f'<h3>Versions</h3><p id="versions">{" · ".join(items)}</p>')
    rows = []
    for r in results:
        shown = [f"<code>{escape(k)} = {escape(_literal(v))}</code>" for k, v in r.params.items() if k != "output_dir"]
        rows.append(f"<tr><td>{escape(_label(r))}</td><td>{'<br>'.join(shown) or 'none'}</td></tr>")
    if rows:
        parts.append('<h3>Parameters</h3><table id="parameters"><thead><tr><th>Notebook</th><th>Parameters</th>'
                     f"</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return f'<h2>What was run</h2><div id="facts">{"".join(parts)}</div>' if parts else ""


def index_html(manifest: dict, results: list[JobResult], title: str, search: list[dict] | None = None) -> str:
    """The landing page: run facts, notebooks (failures first), figures, maps, tables, search. No network.

    Parameters
    ----------
    manifest : dict
        From :func:`build_manifest`.
    results : list of JobResult
        The run's results, in the jobs' order.
    title : str
        The page's title.
    search : list of dict, optional
        Pages for the search box (:func:`search_entries`); no search box without it.

    Returns
    -------
    str
        The HTML page; every text from data is escaped, the search index is JSON data read
        by a fixed script.

    Examples
    --------
    >>> manifest = {"run_id": "r1", "started": "s", "finished": "f", "status": "ok", "iraq_atlas": "0"}
    >>> page = index_html(manifest, [JobResult("01_a", "01_a.ipynb", "", "ok", html="01_a.html")], "<Report>")
    >>> "<title>&lt;Report&gt;</title>" in page and 'href="01_a.html"' in page
    True
    """
    rows, figures, maps, tables = [], [], [], []
    failed_first = sorted(results, key=lambda r: r.status == "ok")  # stable: the jobs' order otherwise
    for r in failed_first:
        status = "reused" if r.cached else r.status
        cls = {"ok": "ok", "reused": "ok", "failed": "failed"}[status]
        link = f'<a href="{escape(r.html)}">{escape(r.notebook)}</a>' if r.html else escape(r.notebook)
        nb_link = f' · <a href="{escape(r.ipynb)}">.ipynb</a>' if r.ipynb else ""
        params = ", ".join(f"{escape(k)}={escape(v)}" for k, v in r.params.items() if k != "output_dir")
        rows.append(f"<tr class='{cls}'><td>{link}{nb_link}</td><td>{escape(r.section)}</td>"
                    f"<td class='status'>{escape(status)}</td><td>{r.duration_s:.1f} s</td>"
                    f"<td class='err'>{escape(r.error)}</td><td class='params'>{params}</td></tr>")
    for r in results:
        where = escape(_label(r))
        for o in r.outputs:
            if o.startswith("figures/") and o.endswith(".png"):
                caption = escape(Path(o).name) + (f" <small>({escape(r.section)})</small>" if r.section else "")
                figures.append(f'<figure><a href="{escape(o)}"><img src="{escape(o)}" alt="{escape(Path(o).stem)}"></a>'
                               f'<figcaption>{caption}</figcaption></figure>')
            elif o.startswith("maps/") and o.endswith(".html") and "/assets/" not in o:
                maps.append(f'<li><a href="{escape(o)}">{escape(Path(o).name)}</a> <small>({where})</small></li>')
            elif o.startswith("tables/"):
                tables.append(f'<li><a href="{escape(o)}">{escape(Path(o).name)}</a> <small>({where})</small></li>')
    status = manifest["status"]
    stray = manifest.get("stray_outputs") or {}
    warning = ""
    if stray:
        items = "".join(f"<li>{escape(slug)}: {escape(', '.join(files))}</li>" for slug, files in stray.items())
        warning = (f'<div id="stray"><p><b>Not published:</b> files written outside maps/, figures/ and '
                   f'tables/ of the output folder:</p><ul>{items}</ul></div>')
    search_box = ""
    if search is not None:
        search_box = ('<h2>Search</h2><p><input id="search" type="search" placeholder="Search the pages" '
                      'aria-label="Search the pages" size="40"></p><ul id="search-results"></ul>'
                      f'<script type="application/json" id="search-data">{_json_for_script(search)}</script>'
                      f"<script>{SEARCH_SCRIPT}</script>")
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
#facts h3{{font-size:1em;margin:1rem 0 .3rem}} #versions{{font-size:.85em;color:#444}} #search-results small{{color:#555}}
</style></head><body>
<h1>{escape(title)}</h1>
<p class="meta">Run <code>{escape(manifest['run_id'])}</code> · started {escape(manifest['started'])} · finished {escape(manifest['finished'])} ·
status <b id="run-status">{escape(status)}</b> · iraq-atlas {escape(manifest['iraq_atlas'])} · <a href="manifest.json">manifest.json</a> · <a href="{RUN_LOG}">{RUN_LOG}</a></p>
{warning}{search_box}<h2>Notebooks</h2>
<table id="notebooks"><thead><tr><th>Notebook</th><th>Section</th><th>Status</th><th>Duration</th><th>Error</th><th>Parameters</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>Key figures</h2><div class="figs" id="figures">{''.join(figures) or '<p>No figures.</p>'}</div>
<h2>Maps</h2><ul id="maps">{''.join(maps) or '<li>No maps.</li>'}</ul>
<h2>Data tables</h2><ul id="tables">{''.join(tables) or '<li>No tables.</li>'}</ul>
{_facts_html(manifest, results)}
<p class="meta">Maps and pages work offline: every script and style is inside the files.</p>
</body></html>
"""


# -- one PDF of the report ------------------------------------------------------------------
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_NAME = "report.pdf"


def find_chromium() -> str | None:
    """The Chromium (or Chrome) on ``PATH`` that ``--pdf`` prints with, or None.

    Returns
    -------
    str or None
        The program's path.

    Examples
    --------
    >>> find_chromium() is None or Path(find_chromium()).name.startswith(("chromium", "google-chrome"))
    True
    """
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_chromium() -> str:
    """The Chromium ``--pdf`` needs; raises :class:`~iraq_atlas.errors.ToolMissingError` when absent.

    Returns
    -------
    str
        The program's path.

    Raises
    ------
    ToolMissingError
        With what to install.

    Examples
    --------
    >>> import shutil
    >>> shutil.which("chromium") is None or Path(require_chromium()).is_file()
    True
    """
    from iraq_atlas.errors import ToolMissingError

    exe = find_chromium()
    if exe is None:
        raise ToolMissingError("--pdf prints the report with headless Chromium, and none is installed "
                               f"(looked for {', '.join(CHROMIUM_NAMES)} on PATH): install it "
                               "(apt-get install chromium) or run without --pdf")
    return exe


def print_html(run_dir: Path, results: list[JobResult]) -> str:
    """One document holding the index and every notebook page, each page starting a printed page.

    Parameters
    ----------
    run_dir : Path
        A finished run folder.
    results : list of JobResult
        Its results, in the jobs' order.

    Returns
    -------
    str
        HTML: the notebook pages' own styles once, then the index's content and each page's.

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp())
    >>> _ = (run / "index.html").write_text("<html><head><title>R</title></head><body><h1>R</h1></body></html>")
    >>> "<h1>R</h1>" in print_html(run, [])
    True
    """
    from bs4 import BeautifulSoup

    index = BeautifulSoup((run_dir / "index.html").read_text(encoding="utf-8"), "html.parser")
    for node in index.select("script, #search-results"):
        node.decompose()
    for node in index.select("h2"):
        if node.get_text() == "Search":
            node.decompose()
    for node in index.select("input"):
        node.decompose()
    styles, bodies = [], []
    for r in results:
        if not r.html or not (run_dir / r.html).is_file():
            continue
        page = BeautifulSoup((run_dir / r.html).read_text(encoding="utf-8"), "html.parser")
        if not styles:
            styles = [str(s) for s in page.select("head style")]
        main = page.select_one("main") or page.body
        bodies.append(f'<section class="ia-print-page">{main.decode_contents() if main else ""}</section>')
    index_style = "".join(str(s) for s in index.select("head style"))
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(index.title.get_text() if index.title else 'Report')}</title>"
            + "".join(styles) + index_style
            + "<style>.ia-print-page{break-before:page} body{max-width:none}</style></head><body>"
            + f'<section class="ia-print-index">{index.body.decode_contents() if index.body else ""}</section>'
            + "".join(bodies) + "</body></html>")


def write_pdf(run_dir: Path, results: list[JobResult], chromium: str | None = None, timeout: int = 600) -> Path:
    """Print the whole report (index, then every notebook page) into ``<run>/report.pdf``.

    Parameters
    ----------
    run_dir : Path
        A finished run folder.
    results : list of JobResult
        Its results.
    chromium : str, optional
        The program to print with (default: :func:`require_chromium`).
    timeout : int
        Seconds Chromium may take.

    Returns
    -------
    Path
        The PDF, written atomically (a failed print leaves none).

    Raises
    ------
    ToolMissingError
        When no Chromium is installed, or it did not write the PDF.

    Examples
    --------
    >>> import tempfile
    >>> from iraq_atlas.errors import ToolMissingError
    >>> run = Path(tempfile.mkdtemp())
    >>> _ = (run / "index.html").write_text("<html><body>R</body></html>")
    >>> try:
    ...     write_pdf(run, [], chromium="/bin/false")
    ... except ToolMissingError as exc:
    ...     print(str(exc).split(":")[0])
    /bin/false did not print the report (exit 1)
    """
    import subprocess
    import tempfile

    from iraq_atlas.errors import ToolMissingError

    exe = chromium or require_chromium()
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=run_dir) as tmp:
        # beside the pages, so the index's relative links to figures/ resolve
        source = run_dir / f"{Path(tmp).name}.html"
        source.write_text(print_html(run_dir, results), encoding="utf-8")
        target = Path(tmp) / PDF_NAME
        cmd = [exe, "--headless", "--disable-gpu", "--disable-background-networking", "--no-first-run",
               "--disable-component-update", "--no-pdf-header-footer", f"--user-data-dir={Path(tmp) / 'profile'}",
               f"--print-to-pdf={target}", source.as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        finally:
            source.unlink()
        if not target.is_file() or target.stat().st_size == 0:
            raise ToolMissingError(f"{exe} did not print the report (exit {done.returncode}): "
                                   f"{' '.join(done.stderr.split()[-40:])}")
        os.chmod(target, umask_mode(directory=False))
        os.replace(target, run_dir / PDF_NAME)
    return run_dir / PDF_NAME
