"""Permutation p-values of Gi*: seeded chunks of shuffles, run in this process or in worker processes.

The shuffles are cut into chunks of :data:`CHUNK` (the last one shorter); chunk
``i`` draws its shuffles from ``numpy.random.SeedSequence(seed).spawn(n)[i]``.
The chunks and their seeds depend only on the number of shuffles and the seed,
never on how many processes run them, and each chunk returns whole-number
counts that are summed, so the p-values are identical for every ``n_jobs``.
The time grows linearly with the number of shuffles (each shuffle costs the
same, and the counts take constant memory).

Worker processes are started with the ``spawn`` method (safe from a process
that runs threads, such as a notebook kernel), ignore Ctrl-C (the calling
process handles it: chunks not started are cancelled, running ones finish, the
workers exit) and end themselves if the calling process dies. This module
imports only numpy and scipy so that a worker starts quickly.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import sparse

from iraq_atlas.errors import ParameterError

#: Shuffles per chunk: fixed, so that the chunks (and their seeds) do not depend on the number of processes.
CHUNK = 50


def resolve_jobs(n_jobs: int) -> int:
    """The number of processes for ``n_jobs``: itself when positive, every available core for -1.

    Parameters
    ----------
    n_jobs : int
        1 or more, or -1 for all cores.

    Returns
    -------
    int
        At least 1.

    Raises
    ------
    ParameterError
        For 0, a value below -1 or anything that is not a whole number.

    Examples
    --------
    >>> resolve_jobs(2)
    2
    >>> resolve_jobs(-1) >= 1
    True
    """
    try:
        jobs = int(n_jobs)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter 'n_jobs': not a whole number: {n_jobs!r}") from None
    if isinstance(n_jobs, float) and n_jobs != jobs:
        raise ParameterError(f"parameter 'n_jobs': not a whole number: {n_jobs!r}")
    if jobs == -1:
        cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
        return max(1, len(cores) if cores else (os.cpu_count() or 1))
    if jobs < 1:
        raise ParameterError(f"parameter 'n_jobs': 1 or more processes, or -1 for every core, not {jobs}")
    return jobs


def window_sum(x: np.ndarray, k: int) -> np.ndarray:
    """Sum over steps t-k … t along axis 1 (fewer steps at the start).

    Parameters
    ----------
    x : ndarray
        Cells × steps.
    k : int
        Previous steps added to each step (0: ``x`` itself).

    Returns
    -------
    ndarray
        Same shape as ``x``.

    Examples
    --------
    >>> window_sum(np.array([[1.0, 2.0, 3.0, 4.0]]), 1).tolist()
    [[1.0, 3.0, 5.0, 7.0]]
    """
    if k == 0:
        return x
    c = np.cumsum(x, axis=1)
    out = c.copy()
    out[:, k + 1:] -= c[:, :-(k + 1)]
    return out


class _Shuffles:
    """What every chunk needs: the counts, the weights, the observed |z| and the fixed parts of z."""

    def __init__(self, x: np.ndarray, w: sparse.csr_matrix, z: np.ndarray, time_window: int):
        self.x = np.asarray(x, dtype=float)
        self.w = sparse.csr_matrix(w)
        self.k = int(time_window)
        n, t = self.x.shape
        self.diag = self.w.diagonal()[:, None]
        card = np.asarray(self.w.sum(axis=1)).ravel()[:, None]
        steps_in = np.minimum(np.arange(t) + 1, self.k + 1)[None, :].astype(float)
        big_n = n * steps_in
        mean = window_sum(self.x.sum(axis=0, keepdims=True), self.k) / big_n
        var = np.maximum(window_sum((self.x ** 2).sum(axis=0, keepdims=True), self.k) / big_n - mean ** 2, 0.0)
        wsum = card * steps_in
        with np.errstate(divide="ignore", invalid="ignore"):
            den = np.sqrt(var) * np.sqrt((big_n * wsum - wsum ** 2) / (big_n - 1))
        self.expected = wsum * mean
        ok = np.isfinite(den) & (den > 0)
        self.inv_den = np.where(ok, 1.0 / np.where(ok, den, 1.0), 0.0)
        self.own = self.diag * self.x          # each cell's own count stays in its place
        self.threshold = np.abs(np.asarray(z, dtype=float)) - 1e-12

    def extremes(self, count: int, seed: np.random.SeedSequence) -> np.ndarray:
        """How often, in ``count`` shuffles drawn from ``seed``, each cell-step's |z| reaches the observed one."""
        rng = np.random.default_rng(seed)
        hits = np.zeros(self.x.shape, dtype=np.int64)
        for _ in range(int(count)):
            xp = rng.permuted(self.x, axis=0)  # every step's counts shuffled among the cells
            lag = np.asarray(self.w @ xp) - self.diag * xp + self.own
            zp = (window_sum(lag, self.k) - self.expected) * self.inv_den
            hits += np.abs(zp) >= self.threshold
        return hits


def chunk_seeds(permutations: int, seed: int | None) -> list[tuple[int, np.random.SeedSequence]]:
    """The chunks of ``permutations`` shuffles: (shuffles, seed sequence) pairs, independent of any job count.

    Parameters
    ----------
    permutations : int
        Number of shuffles (1 or more).
    seed : int or None
        Root of :class:`numpy.random.SeedSequence` (None: fresh entropy).

    Returns
    -------
    list of (int, SeedSequence)
        :data:`CHUNK` shuffles per chunk, the last one shorter; chunk i's seed is
        the i-th child spawned from the root.

    Raises
    ------
    ParameterError
        Fewer than one shuffle, or a seed that is not a whole number ≥ 0.

    Examples
    --------
    >>> [n for n, _ in chunk_seeds(120, 1)]
    [50, 50, 20]
    """
    if int(permutations) < 1:
        raise ParameterError(f"parameter 'permutations': at least 1, not {permutations}")
    try:
        root = np.random.SeedSequence(seed)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter 'seed': a whole number of 0 or more (or None), not {seed!r}") from None
    sizes = [CHUNK] * (int(permutations) // CHUNK) + ([int(permutations) % CHUNK] if int(permutations) % CHUNK else [])
    return list(zip(sizes, root.spawn(len(sizes))))


_WORKER: _Shuffles | None = None


def _start_worker(x: np.ndarray, w: sparse.csr_matrix, z: np.ndarray, time_window: int) -> None:
    global _WORKER
    _WORKER = _Shuffles(x, w, z, time_window)  # built here: only the inputs travel to the worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the calling process to handle
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent.sentinel,), daemon=True).start()


def _exit_with_parent(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])  # ready once the calling process has ended
    os._exit(1)


def _run_chunk(count: int, seed: np.random.SeedSequence) -> np.ndarray:
    assert _WORKER is not None
    return _WORKER.extremes(count, seed)


def permutation_p(x: np.ndarray, w: sparse.spmatrix, z: np.ndarray, permutations: int, time_window: int = 0,
                  seed: int | None = 12345, n_jobs: int = 1) -> np.ndarray:
    """Two-sided pseudo p-values of Gi* z-scores from shuffles of the other cells' counts.

    At each shuffle every step's counts are permuted among the cells, then every
    cell's own count is put back in its place, so only the neighbours' counts
    are random; p = (1 + shuffles with |z| at least the observed |z|) /
    (permutations + 1).

    Parameters
    ----------
    x : ndarray
        Cells × steps counts.
    w : sparse matrix
        Binary weights, each cell its own neighbour.
    z : ndarray
        Observed z-scores (cells × steps).
    permutations : int
        Number of shuffles (1 or more).
    time_window : int
        Previous steps in each neighbourhood.
    seed : int or None
        Seed of :class:`numpy.random.SeedSequence`; the chunks' seeds are spawned from it.
    n_jobs : int
        Processes (-1: every core); the result does not depend on it.

    Returns
    -------
    ndarray
        Cells × steps p-values.

    Examples
    --------
    >>> from scipy import sparse
    >>> w = sparse.csr_matrix(np.array([[1, 1, 0], [1, 1, 1], [0, 1, 1]]))
    >>> p = permutation_p(np.array([[3.0], [1.0], [0.0]]), w, np.array([[1.069], [0.0], [-1.3363]]), 99)
    >>> bool(((p >= 0.01) & (p <= 1)).all())
    True
    """
    jobs = resolve_jobs(n_jobs)
    x, z = np.asarray(x, dtype=float), np.asarray(z, dtype=float)
    w = sparse.csr_matrix(w)
    chunks = chunk_seeds(permutations, seed)
    jobs = min(jobs, len(chunks))
    if jobs == 1:
        shuffles = _Shuffles(x, w, z, time_window)
        hits = sum(shuffles.extremes(count, s) for count, s in chunks)
    else:
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(x, w, z, int(time_window)))
        try:
            futures = [pool.submit(_run_chunk, count, s) for count, s in chunks]
            hits = sum(f.result() for f in futures)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)  # no chunk left to start, no worker left behind
            raise
        pool.shutdown(wait=True)
    return np.minimum(1.0, (hits + 1) / (int(permutations) + 1))


__all__ = ["CHUNK", "chunk_seeds", "permutation_p", "resolve_jobs", "window_sum"]
