"""Preloaded kernels: forked from the zygote, they behave like spawned ones, and clean up after themselves."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

from iraq_atlas.runner import kernels
from iraq_atlas.runner.report import RunOptions, discover, plan, run_report

pytestmark = pytest.mark.skipif(not kernels.supported(), reason="kernels are forked on Linux only")

PARAMS = 'output_dir: str = "outputs"  # where files go'
PROBE = '''import atexit, json, os, signal, sys
probe = {"pandas_loaded_before_import": "pandas" in sys.modules, "cwd": os.getcwd(),
         "env": os.environ.get("IRAQ_ATLAS_TEST_MARK", ""), "pid": os.getpid(), "ppid": os.getppid(),
         "session_leader": os.getsid(0) == os.getpid(),
         "sigpipe_ignored": signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN,
         "stdout": list(os.fstat(1)[1:3])}
import matplotlib
import numpy as np
probe["linewidth"] = matplotlib.rcParams["lines.linewidth"]  # from the notebooks' matplotlibrc
probe["draw"] = float(np.random.rand())  # unseeded: must differ between kernels
os.write(1, b"x" * 200_000)  # more than a pipe holds: must not block
atexit.register(lambda: open(os.environ["IRAQ_ATLAS_TEST_EXIT"] + "-" + str(os.getpid()), "w").close())
'''
BODY = '''import pandas as pd
import matplotlib.pyplot as plt
from iraq_atlas.runner.report import output_folders
out = output_folders(output_dir)
(out["tables"] / "probe_{name}.json").write_text(json.dumps(probe))
plt.plot([0, 1], [1, 0])
plt.show()
'''


def _nb(path: Path, name: str) -> None:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(PARAMS)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p, nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell(BODY.replace("{name}", name))]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def suite(tmp_path, monkeypatch):
    monkeypatch.setenv("IRAQ_ATLAS_TEST_MARK", "from-the-runner")
    (tmp_path / "exits").mkdir()
    monkeypatch.setenv("IRAQ_ATLAS_TEST_EXIT", str(tmp_path / "exits" / "done"))
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    (nbs / "matplotlibrc").write_text("lines.linewidth: 7\n")
    for name in ("a", "b", "c"):
        _nb(nbs / f"0{'abc'.index(name) + 1}_{name}.ipynb", name)
    return tmp_path


def _probes(run_dir: Path) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in (run_dir / "tables").glob("probe_*.json")}


def _pngs(run_dir: Path) -> list[int]:
    counts = []
    for f in sorted((run_dir / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(f, as_version=4)
        counts.append(sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", [])))
    return counts


@pytest.mark.parametrize("jobs", [1, 2])
def test_forked_kernels_run_notebooks_like_spawned_ones(suite, jobs):
    nbs = discover(suite / "notebooks")
    on_dir, on = run_report(plan(nbs, {}), RunOptions(out=suite / "on", jobs=jobs, progress=False, timeout=120))
    off_dir, off = run_report(plan(nbs, {}), RunOptions(out=suite / "off", jobs=jobs, progress=False,
                                                        timeout=120, kernel_preload=False))
    assert [r.status for r in on] == [r.status for r in off] == ["ok"] * 3
    with_zygote, spawned = _probes(on_dir), _probes(off_dir)
    assert len(with_zygote) == len(spawned) == 3
    for name in with_zygote:
        # the preloaded kernel already had pandas; a spawned one had not
        assert with_zygote[name]["pandas_loaded_before_import"] is True
        assert spawned[name]["pandas_loaded_before_import"] is False
        # same working directory (the notebook's folder) and environment either way
        assert with_zygote[name]["cwd"] == spawned[name]["cwd"] == str((suite / "notebooks").resolve())
        assert with_zygote[name]["env"] == spawned[name]["env"] == "from-the-runner"
        for key in ("session_leader", "sigpipe_ignored"):
            assert with_zygote[name][key] is spawned[name][key] is True, key
        assert with_zygote[name]["linewidth"] == spawned[name]["linewidth"] == 7.0
        if jobs == 1:  # both inherit the runner's own stdout (never a pipe of the zygote's)
            assert with_zygote[name]["stdout"] == spawned[name]["stdout"]
    assert len({p["pid"] for p in with_zygote.values()}) == 3          # one fresh process per notebook
    assert len({p["ppid"] for p in with_zygote.values()}) == 1         # all children of the one zygote
    assert len({p["draw"] for p in with_zygote.values()}) == 3         # NumPy reseeded in each kernel
    exits = {int(f.name.rsplit("-", 1)[1]) for f in (suite / "exits").iterdir()}
    assert {p["pid"] for p in with_zygote.values()} <= exits          # atexit handlers ran on shutdown
    assert _pngs(on_dir) == _pngs(off_dir) == [1, 1, 1]                # inline figures still displayed


def _kernel_cmd() -> list[str]:
    return [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def _run(coro_fn):
    """asyncio.run in a thread of its own: other tests (browser, papermill) may leave a loop running here."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        return ex.submit(lambda: asyncio.run(coro_fn())).result()


async def _start(km_class):
    km = km_class(kernel_name="python3")
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=60)
    return km, kc


def test_kernel_lifecycle_through_the_zygote(tmp_path):
    """Start, run code, interrupt-free shutdown, kill: the provisioner sees what a Popen would show."""
    with kernels.KernelZygote(["json"]) as zygote:
        address = zygote.address
        assert address and Path(address).exists()

        async def scenario():
            km, kc = await _start(kernels.manager_class(zygote.address))
            proc = km.provisioner.process
            assert isinstance(proc, kernels.ForkedKernelProcess) and proc.poll() is None
            reply = await kc.execute_interactive("import os; x = os.getpgid(0) == os.getpid()", timeout=30,
                                                 user_expressions={"x": "x"})
            assert reply["content"]["user_expressions"]["x"]["data"]["text/plain"] == "True"  # own group
            kc.stop_channels()
            await km.shutdown_kernel()
            assert proc.returncode == 0 and not await km.is_alive()

            km, kc = await _start(kernels.manager_class(zygote.address))
            proc = km.provisioner.process
            kc.stop_channels()
            await km.shutdown_kernel(now=True)  # killed, not asked
            assert proc.returncode is not None and proc.returncode != 0

        _run(scenario)
    assert zygote.address == "" and not Path(address).exists()  # stopped and cleaned up on exit


def test_stopping_the_zygote_ends_its_kernels():
    zygote = kernels.KernelZygote()
    zygote.start()
    address = zygote.address

    async def start_one():
        km, kc = await _start(kernels.manager_class(address))
        kc.stop_channels()
        return km

    km = _run(start_one)
    pid = km.provisioner.process.pid
    os.kill(pid, 0)  # alive
    zygote.stop()
    proc = km.provisioner.process
    assert proc.wait(timeout=10) != 0
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not Path(address).exists()


def test_other_commands_and_dead_zygotes_fall_back_to_spawning(tmp_path):
    assert kernels.fork_kernel("", _kernel_cmd(), None, None) is None                      # no zygote
    assert kernels.fork_kernel(str(tmp_path / "none.sock"), _kernel_cmd(), None, None) is None  # not listening
    with kernels.KernelZygote() as zygote:
        other = ["/usr/bin/env", "python3", "-m", "ipykernel_launcher", "-f", "x.json"]
        assert kernels.fork_kernel(zygote.address, other, None, None) is None              # another interpreter
        assert kernels.fork_kernel(zygote.address, [sys.executable, "-c", "pass"], None, None) is None


def test_preload_list_comes_from_the_notebooks_and_stays_safe(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%matplotlib inline\nimport pandas as pd, requests\n"
                                          "from iraq_atlas.viz import maps, charts\nfrom . import local\n"
                                          "import matplotlib_inline.backend_inline\nfrom os import path")]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert kernels.notebook_imports([path]) == ["pandas", "iraq_atlas.viz", "iraq_atlas.viz.maps", "iraq_atlas.viz.charts"]


def test_a_runner_process_that_goes_away_takes_its_kernel_with_it(tmp_path):
    import time

    with kernels.KernelZygote() as zygote:
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "kernel.json")]
        proc = kernels.fork_kernel(zygote.address, cmd, dict(os.environ), tmp_path)
        assert proc is not None and proc.poll() is None
        os.kill(proc.pid, 0)
        proc._sock.close()  # what a crashed worker leaves behind: a closed connection
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                os.kill(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the kernel outlived its runner process")


def test_cli_switch_turns_preloading_off(suite):
    from iraq_atlas.cli import main

    assert main(["report", "--notebooks-dir", str(suite / "notebooks"), "--out", str(suite / "cli"),
                 "--jobs", "2", "--quiet", "--no-kernel-preload"]) == 0
    run_dir = (suite / "cli" / "latest").resolve()
    assert json.loads((run_dir / "manifest.json").read_text())["kernel_preload"] is False
    assert not any(p["pandas_loaded_before_import"] for p in _probes(run_dir).values())


def test_a_client_that_leaves_mid_request_does_not_stop_the_zygote(tmp_path):
    import socket

    with kernels.KernelZygote() as zygote:
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", str(tmp_path / "k1.json")]
        request = {"argv": cmd[3:], "env": dict(os.environ), "cwd": str(tmp_path)}
        for _ in range(3):  # ask, then hang up before the answer
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(zygote.address)
            s.sendall(json.dumps(request).encode() + b"\n")
            s.close()
        cmd[-1] = str(tmp_path / "k2.json")
        proc = kernels.fork_kernel(zygote.address, cmd, dict(os.environ), tmp_path)
        assert proc is not None and proc.poll() is None  # still serving
        proc.kill()
        assert proc.wait(timeout=15) != 0
