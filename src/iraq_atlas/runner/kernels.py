"""Preloaded kernels: notebook kernels forked from a process that has already imported the suite.

Every notebook of a report runs in a fresh IPython kernel, and each kernel used to spend
one to two seconds starting Python, ipykernel and the libraries its first cell imports
(pandas, geopandas, matplotlib, folium, the project). The report runner now starts one
*kernel zygote* per run: a process that imports those modules once and then forks a
kernel for each notebook, the way Voilà's pre-heated kernels or a web server's
pre-fork workers do. A forked kernel is still a fresh process with its own memory and
IPython state, started with the same command line, environment and working directory as
a spawned one; a notebook's import cell then finds its modules loaded.

Used only where it is safe and it can help: Linux (``fork``), the default
``python3``/ipykernel kernel of the running interpreter, modules from :data:`SAFE_PACKAGES`
(libraries known to survive ``fork``: no Python threads or network connections at import;
PROJ re-opens its database in a forked process since PROJ 8.2). Anything else, or a zygote
that cannot start, falls back to the ordinary spawned kernel. ``iraq-atlas report
--no-kernel-preload`` turns it off.

What a forked kernel repeats of a fresh start: its own session and process group, the
requested environment, working directory and command line, Python's default signal
handling, a freshly seeded ``random`` and NumPy global generator, and on exit the atexit
handlers (IPython's namespace reset among them). What it cannot repeat: warnings that
preloaded modules emit at import are not shown in the notebook, and string hashing uses
the zygote's seed (set iteration order is the same in every kernel of a run). The zygote
runs in the notebooks' folder, so a ``matplotlibrc`` there applies as it would.

The zygote talks to the runner's processes over a Unix socket, one connection per
kernel: a JSON request (argv, env, cwd) in, ``{"pid": n}`` back, then ``{"exit": code}``
when the kernel ends. A connection closed early (its worker died) kills the kernel's
process group; the zygote exits when the runner closes its stdin.
"""

from __future__ import annotations

import ast
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterable

# Top-level packages the notebooks use whose import survives fork: no Python threads or
# connections (native allocator and BLAS threads have fork handlers; PROJ re-opens proj.db
# in a child since PROJ 8.2). Anything else a notebook imports is left to the kernel.
SAFE_PACKAGES = frozenset({
    "iraq_atlas", "numpy", "pandas", "pyarrow", "shapely", "pyproj", "geopandas", "matplotlib",
    "folium", "branca", "jinja2", "IPython", "rapidfuzz", "pycountry", "pandera", "dateparser",
    "html", "json", "math", "pathlib", "re", "datetime", "collections", "itertools", "textwrap",
})
# Always loaded: what every kernel needs before running a cell. Never matplotlib_inline's
# backend: it hooks itself into the IPython shell when imported, and the zygote has no shell.
BASE_PRELOAD = ("ipykernel.kernelapp", "IPython.display")
NEVER_PRELOAD = ("matplotlib_inline",)
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def supported() -> bool:
    """True where kernels can be forked (Linux; other systems spawn kernels as before)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def notebook_imports(notebooks: Iterable[str | os.PathLike]) -> list[str]:
    """Modules the notebooks import (``import a.b`` → ``a.b``, ``from a import b`` → ``a``, ``a.b``),
    limited to :data:`SAFE_PACKAGES`, in first-seen order."""
    seen: dict[str, None] = {}
    for nb in notebooks:
        try:
            cells = json.loads(Path(nb).read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            src = "".join(cell.get("source", ""))
            src = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
                for name in names:
                    if name.split(".")[0] in SAFE_PACKAGES and not name.startswith(NEVER_PRELOAD):
                        seen.setdefault(name, None)
    return list(seen)


# -- the runner's side ------------------------------------------------------------------------
class KernelZygote:
    """The zygote process of one report run; use as a context manager.

    ``address`` is the socket path to hand to :func:`manager_class` (empty when the zygote
    could not start: kernels are then spawned as usual).
    """

    def __init__(self, modules: Iterable[str] = (), start_timeout: float = 10.0,
                 cwd: str | os.PathLike | None = None):
        self.modules = list(dict.fromkeys([*BASE_PRELOAD, *modules]))
        self.start_timeout = start_timeout
        self.cwd = cwd  # where modules are imported (matplotlib reads ./matplotlibrc then)
        self.address = ""
        self._dir: str | None = None
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> "KernelZygote":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> str:
        if not supported():
            return ""
        self._dir = tempfile.mkdtemp(prefix="iraq-atlas-kernels-")
        path = os.path.join(self._dir, "zygote.sock")
        env = {k: v for k, v in os.environ.items() if k != "JPY_PARENT_PID"}
        env.setdefault("MPLBACKEND", INLINE_BACKEND)  # what ipykernel sets before any import
        try:
            # stdout and stderr are the runner's, as a spawned kernel's would be
            self._proc = subprocess.Popen([sys.executable, "-m", "iraq_atlas.runner.kernels", path, *self.modules],
                                          stdin=subprocess.PIPE, cwd=self.cwd or self._dir, env=env)
        except OSError:
            self.stop()
            return ""
        end = time.monotonic() + self.start_timeout
        ready = False
        while time.monotonic() < end and self._proc.poll() is None:
            if os.path.exists(path):  # renamed into place only once it listens
                ready = True
                break
            time.sleep(0.01)
        if not ready:
            self.stop()
            return ""
        self.address = path
        return path

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        self.address = ""
        if proc is not None:
            try:
                proc.stdin.close()  # the zygote's signal to exit
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        if self._dir:
            try:
                for f in os.listdir(self._dir):
                    os.unlink(os.path.join(self._dir, f))
                os.rmdir(self._dir)
            except OSError:
                pass
            self._dir = None


class ForkedKernelProcess:
    """What jupyter_client's local provisioner expects of a ``Popen``, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, sock: socket.socket):
        self.pid = pid
        self.returncode: int | None = None
        self._sock = sock
        self._buf = b""

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        try:
            while True:
                self._sock.setblocking(False)
                chunk = self._sock.recv(4096)
                if not chunk:  # the zygote is gone: ask the system instead
                    return self._gone_without_word()
                self._buf += chunk
                if b"\n" in self._buf:
                    line, _, self._buf = self._buf.partition(b"\n")
                    self.returncode = int(json.loads(line).get("exit", -1))
                    self._sock.close()
                    return self.returncode
        except (BlockingIOError, InterruptedError):
            return None
        except (OSError, ValueError):
            return self._gone_without_word()

    def _gone_without_word(self) -> int | None:
        """The zygote vanished without reporting: alive unless the process is gone or a zombie."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
            if state not in (b"Z", b"X"):
                return None
        except (OSError, IndexError):
            pass
        self.returncode = -1
        self._sock.close()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(["kernel", str(self.pid)], timeout)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def fork_kernel(address: str, cmd: list[str], env: dict | None, cwd: str | os.PathLike | None,
                timeout: float = 120.0) -> ForkedKernelProcess | None:
    """Ask the zygote for a kernel running ``cmd``; None when it cannot (the caller then spawns)."""
    if not address or len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"] \
            or os.path.abspath(cmd[0]) != os.path.abspath(sys.executable):
        return None
    request = {"argv": cmd[3:], "env": dict(env if env is not None else os.environ),
               "cwd": str(cwd or os.getcwd())}
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)  # covers the zygote's own imports on the first request
        sock.connect(address)
        sock.sendall(json.dumps(request).encode() + b"\n")
        buf = b""
        while b"\n" not in buf:
            chunk = sock.recv(4096)
            if not chunk:
                raise OSError("zygote closed the connection")
            buf += chunk
        line, _, rest = buf.partition(b"\n")
        pid = int(json.loads(line)["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        sock.close()
        return None
    proc = ForkedKernelProcess(pid, sock)
    proc._buf = rest
    return proc


def manager_class(address: str):
    """An ``AsyncKernelManager`` subclass whose kernels come from the zygote at ``address``
    (for nbclient's / papermill's ``kernel_manager_class``)."""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class ForkedKernelProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd, **kwargs):
            proc = fork_kernel(address, list(cmd), kwargs.get("env"), kwargs.get("cwd"))
            if proc is None:
                return await super().launch_kernel(cmd, **kwargs)
            self.process = proc
            self.pid = self.pgid = proc.pid  # the kernel leads its own process group
            self.cwd = kwargs.get("cwd", Path.cwd())
            return self.connection_info

    class PreloadedKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None and "kernel_provisioner" not in (self.kernel_spec.metadata or {}):
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = ForkedKernelProvisioner(kernel_id=self.kernel_id,
                                                           kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return PreloadedKernelManager


# -- the zygote's side -------------------------------------------------------------------------
def _serve(path: str, modules: list[str]) -> None:
    """Listen on ``path``, import ``modules``, then fork one kernel per request until stdin closes."""
    import importlib
    import warnings

    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does: the kernel adds its own working directory
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(64)
    os.rename(path + ".tmp", path)  # the runner waits for this name: it appears listening
    for name in modules:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a kernel that imports it itself shows its warnings
                importlib.import_module(name)
        except Exception:  # noqa: BLE001 – not importable here: the kernel imports it (or fails) itself
            pass
    # Python 3.12+ warns on every fork of a process with native threads (here allocator and
    # BLAS workers, which register their own fork handlers); the forks are deliberate.
    warnings.filterwarnings("ignore", message=r".*use of fork\(\) may lead to deadlocks", category=DeprecationWarning)
    kernels: dict[int, socket.socket] = {}   # pid → the connection that asked for it
    by_conn: dict[socket.socket, int] = {}
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(server, selectors.EVENT_READ, "accept")
    sel.register(sys.stdin.buffer, selectors.EVENT_READ, "stdin")
    sel.register(wake_r, selectors.EVENT_READ, "child")
    zygote = os.getpid()
    while True:
        for key, _ in sel.select():
            what = key.data
            if what == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):  # the runner is done (or gone)
                    for pid in list(kernels):
                        _kill_group(pid)
                    for pid in list(kernels):  # reaped here: nothing is left as a zombie
                        try:
                            os.waitpid(pid, 0)
                        except ChildProcessError:
                            pass
                        _report_exit(kernels.pop(pid), -9)
                    return
            elif what == "child":
                os.read(wake_r, 4096)
                _reap(kernels, by_conn, sel)
            elif what == "accept":
                _accept(server, kernels, by_conn, sel, zygote, (wake_r, wake_w))
            elif what == "conn":  # a runner process closed its end: its kernel goes too
                conn = key.fileobj
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                if not data and conn in by_conn:
                    pid = by_conn.pop(conn)
                    sel.unregister(conn)
                    conn.close()
                    kernels.pop(pid, None)
                    _kill_group(pid)


def _accept(server: socket.socket, kernels: dict, by_conn: dict, sel, zygote: int,
            wake_fds: tuple[int, int]) -> None:
    """One request: fork the kernel, wait until it leads its own session, reply with its pid.
    A client that is gone by then takes its kernel with it; the zygote carries on."""
    try:
        conn, _ = server.accept()
    except OSError:
        return
    try:
        conn.settimeout(30)
        request = json.loads(_read_line(conn))
    except (OSError, ValueError):
        conn.close()
        return
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the kernel
        code = 1
        try:
            os.close(ready_r)
            signal.set_wakeup_fd(-1)
            sel.close()
            for sock in (server, conn, *by_conn):
                sock.close()
            for fd in wake_fds:
                os.close(fd)
            code = _kernel_main(request, zygote, ready_w)
        except BaseException:  # noqa: BLE001 – shown on the runner's stderr, like a spawned kernel's
            import traceback

            traceback.print_exc()
        finally:
            _exit(code)
    os.close(ready_w)
    os.read(ready_r, 1)  # the child has called setsid (or died: it is reaped as usual)
    os.close(ready_r)
    try:
        conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    except OSError:
        conn.close()
        _kill_group(pid)
        return
    kernels[pid] = conn
    by_conn[conn] = pid
    sel.register(conn, selectors.EVENT_READ, "conn")


def _exit(code: int) -> None:
    """Leave the forked kernel the way an interpreter would: atexit handlers, flushed streams."""
    try:
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    finally:
        os._exit(code)


def _read_line(conn: socket.socket) -> bytes:
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            raise OSError("request cut short")
        buf += chunk
    return buf


def _reap(kernels: dict, by_conn: dict, sel) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is not None:
            by_conn.pop(conn, None)
            sel.unregister(conn)
            _report_exit(conn, os.waitstatus_to_exitcode(status))


def _report_exit(conn: socket.socket, code: int) -> None:
    try:
        conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
    except OSError:
        pass
    conn.close()


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
            return
        except OSError:
            continue


def _kernel_main(request: dict, zygote: int, ready_w: int) -> int:
    """In the forked child: become what ``python -m ipykernel_launcher <argv>`` would be."""
    try:
        os.setsid()  # a new session and process group, as jupyter_client gives a spawned kernel
    finally:
        os.write(ready_w, b".")
        os.close(ready_w)
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # Python's own default: broken pipes raise
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if "numpy" in sys.modules:  # its global generator was seeded at import, in the zygote
        sys.modules["numpy"].random.seed()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    env = dict(request["env"])
    env["JPY_PARENT_PID"] = str(zygote)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(request["cwd"])
    import ipykernel_launcher
    from ipykernel import kernelapp

    sys.argv = [ipykernel_launcher.__file__, *request["argv"], f"--IPKernelApp.parent_handle={zygote}"]
    try:
        kernelapp.launch_new_instance()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    _serve(sys.argv[1], sys.argv[2:])
