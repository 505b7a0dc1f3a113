"""Geoparser scaling: parse_text on single-line texts of growing size (target: 5 MB in at most 10 s).

Usage::

    python benchmarks/geoparse_scale.py                 # 0.5, 1, 2, 5 MB
    python benchmarks/geoparse_scale.py --sizes 0.1 1   # other sizes (MB of characters)

The text is the project's own article fixtures joined on one line and repeated, so every
size holds the same mix of places, dates, casualty figures and events. For each size the
script prints wall time, CPU time of this process (less sensitive to other load on the
machine), seconds per MB and mentions found; the last column says whether seconds per MB
stay flat (linear time). Nothing is asserted: the target is reported as met or missed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from iraq_atlas import geoparse as gp

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB, TARGET_S = 5.0, 10.0


def base_text() -> str:
    """The fixtures (English and the Arabic sample) on one line."""
    files = sorted((ROOT / "tests" / "fixtures" / "articles").glob("*.txt"))
    files.append(ROOT / "tests" / "geoparse" / "fixtures" / "ar_sample.txt")
    return " ".join(p.read_text(encoding="utf-8").replace("\n", " ") for p in files if p.is_file()) + " "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[0.5, 1.0, 2.0, 5.0], help="sizes in MB of characters")
    args = ap.parse_args(argv)
    base = base_text()
    gp.parse_text(base, "2021-11-07")  # warm caches: gazetteer index, compiled rules
    print(f"{'MB':>6} {'wall s':>8} {'cpu s':>8} {'s/MB':>6} {'mentions':>9}")
    first = None
    for mb in args.sizes:
        text = base * (int(mb * 1e6 / len(base)) + 1)
        w0, c0 = time.perf_counter(), time.process_time()
        m = gp.parse_text(text, "2021-11-07")
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        per = cpu / (len(text) / 1e6)
        first = first or per
        print(f"{len(text) / 1e6:6.2f} {wall:8.2f} {cpu:8.2f} {per:6.2f} {len(m):9d}  ×{per / first:.2f} of the first s/MB")
        if abs(mb - TARGET_MB) < 1e-9:
            print(f"target {TARGET_MB:g} MB in ≤ {TARGET_S:g} s: {'met' if wall <= TARGET_S else 'missed'} "
                  f"(wall {wall:.1f} s, cpu {cpu:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
