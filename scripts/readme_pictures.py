"""Write the README's pictures (docs/img/) from a report: its figures, and its maps as rendered in Chromium.

Usage: ``python scripts/readme_pictures.py [REPORT_DIR]`` (default ``reports/latest``), after ``make report``.
Each picture comes from the named file of the default report; a file the report lacks is an error, so the
README never shows a picture the suite no longer draws.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img"
# picture name → (kind, file in the report); figures are copied, maps rendered at 1000 × 700
PICTURES = {
    "01_baghdad.png": ("map", "maps/01_baghdad.html"),
    "02_hemicycle_2025.png": ("figure", "figures/02_hemicycle_2025.png"),
    "02_seat_change.png": ("figure", "figures/02_seat_change_2021_2025.png"),
    "02_seats_by_governorate_2025.png": ("figure", "figures/02_seats_map_2025.png"),
    "03_timeline.png": ("figure", "figures/03_timeline.png"),
    "03_incidents_iraq.png": ("map", "maps/03_incidents_iraq.html"),
    "06_hotspot_categories.png": ("map", "maps/06_hotspot_categories.html"),
}


def render(page: Path, png: Path, chromium: str) -> None:
    """Screenshot of a self-contained map page, offline (every request outside the file refused)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9", "--virtual-time-budget=8000",
                        "--window-size=1000,700", f"--screenshot={png}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("report", nargs="?", default=str(ROOT / "reports" / "latest"))
    p.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = p.parse_args(argv)
    report = Path(args.report).resolve()
    missing = [src for _, src in PICTURES.values() if not (report / src).is_file()]
    if missing:
        print(f"{report}: the report lacks {', '.join(missing)}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (kind, src) in PICTURES.items():
        target = OUT / name
        if kind == "figure":
            shutil.copyfile(report / src, target)
        else:
            render(report / src, target, args.chromium)
        print(f"{target.relative_to(ROOT)} ← {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
