"""The boundary loader: user file (OCHA and geoBoundaries schemas), env var, embedded default, download on request."""

import json

import pytest
from localserver import LocalServer, json_response

from iraq_atlas.errors import DataError
from iraq_atlas.places import boundaries
from iraq_atlas.places.governorates import iso_codes, to_iso

OCHA_ADM1 = "irq_admbnda_adm1_cso_20190603.geojson"


def test_ocha_file_maps_every_pcode_to_iso(geodata_dir):
    b = boundaries.load_boundaries("ADM1", geodata_dir / OCHA_ADM1)
    assert b.origin == "path" and not b.is_fallback
    assert sorted(b.gdf.iso_3166_2) == sorted(iso_codes())
    assert "OCHA" in b.attribution
    # Baghdad's OCHA polygon is about 4,500 km² (Shape_Area 0.4936 deg² at 33° N)
    area_km2 = b.gdf.to_crs(6933).set_index("iso_3166_2").area["IQ-BG"] / 1e6
    assert 4000 < area_km2 < 5500


def test_folder_and_env_var(geodata_dir, monkeypatch):
    b = boundaries.load_boundaries("ADM2", geodata_dir)
    assert len(b.gdf) == 101 and {"district", "iso_3166_2"} <= set(b.gdf.columns)
    assert (b.gdf.iso_3166_2 == "IQ-BG").sum() == 7
    monkeypatch.setenv("IRAQ_ATLAS_BOUNDARIES", str(geodata_dir))
    env = boundaries.load_boundaries("ADM1")
    assert env.origin == "env" and len(env.gdf) == 18


def _as_geoboundaries(geodata_dir, dest):
    """Rewrite the OCHA file in the geoBoundaries schema (shapeName/shapeISO/shapeID)."""
    src = json.loads((geodata_dir / OCHA_ADM1).read_text())
    spelled = {"Al-Anbar": "Anbar", "Ninewa": "Nineveh", "Thi Qar": "Dhi Qar", "Kerbala": "Karbala",
               "Al-Qadissiya": "Al-Qādisiyyah", "Salah Al-Din": "Saladin", "Duhok": "Dohuk", "Erbil": "Arbil"}
    for i, f in enumerate(src["features"]):
        name = f["properties"]["ADM1_EN"]
        f["properties"] = {"shapeName": spelled.get(name, name), "shapeISO": "", "shapeID": f"IRQ-ADM1-{i}",
                           "shapeGroup": "IRQ", "shapeType": "ADM1"}
    dest.write_text(json.dumps(src))
    return dest


def test_geoboundaries_schema_by_names(geodata_dir, tmp_path):
    f = _as_geoboundaries(geodata_dir, tmp_path / "geoBoundaries-IRQ-ADM1.geojson")
    b = boundaries.load_boundaries("ADM1", f)
    assert sorted(b.gdf.iso_3166_2) == sorted(iso_codes())
    assert "geoBoundaries" in b.attribution


def test_unknown_governorate_name_is_an_error_naming_row_and_column(geodata_dir, tmp_path):
    f = _as_geoboundaries(geodata_dir, tmp_path / "gb.geojson")
    data = json.loads(f.read_text())
    data["features"][4]["properties"]["shapeName"] = "Atlantis"
    f.write_text(json.dumps(data))
    with pytest.raises(DataError, match=r"gb.geojson, row 5, column 'shapeName'.*Atlantis"):
        boundaries.read_boundary_file(f)


def test_download_from_local_server_then_cache(geodata_dir, tmp_path, monkeypatch):
    gb = _as_geoboundaries(geodata_dir, tmp_path / "served.geojson").read_bytes()
    monkeypatch.setenv("IRAQ_ATLAS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("IRAQ_ATLAS_OFFLINE")
    routes = {"/files/irq1.geojson": lambda q: (200, "application/geo+json", gb)}
    with LocalServer(routes) as srv:
        routes["/api/current/gbOpen/IRQ/ADM1/"] = lambda q: json_response(
            {"boundaryISO": "IRQ", "gjDownloadURL": f"{srv.url}/files/irq1.geojson"})
        b = boundaries.load_boundaries("ADM1", download=True, api_url=f"{srv.url}/api/current/gbOpen/IRQ/ADM1/")
        assert b.origin == "download" and len(b.gdf) == 18
        assert srv.requests == ["/api/current/gbOpen/IRQ/ADM1/", "/files/irq1.geojson"]
        again = boundaries.load_boundaries("ADM1", source="geoboundaries",
                                           api_url=f"{srv.url}/api/current/gbOpen/IRQ/ADM1/")
        assert again.origin == "cache" and len(srv.requests) == 2
    assert (tmp_path / "cache" / "geoBoundaries-IRQ-ADM1.geojson").exists()
    assert not list((tmp_path / "cache").glob("*.part"))
    # without a request the cache is not used: the embedded OCHA files are
    assert boundaries.load_boundaries("ADM1").origin == "embedded"


def test_failed_download_is_an_error_and_caches_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("IRAQ_ATLAS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("IRAQ_ATLAS_OFFLINE")
    with LocalServer({"/files/x": lambda q: (200, "application/json", b"{not json")}) as srv:
        routes_api = f"{srv.url}/api/"
        srv.routes["/api/"] = lambda q: json_response({"gjDownloadURL": f"{srv.url}/files/x"})
        with pytest.raises(ValueError):
            boundaries.load_boundaries("ADM1", download=True, api_url=routes_api)
    assert not (tmp_path / "cache" / "geoBoundaries-IRQ-ADM1.geojson").exists()


def test_download_is_refused_offline():
    with pytest.raises(RuntimeError, match="IRAQ_ATLAS_OFFLINE"):
        boundaries.load_boundaries("ADM1", download=True)


def test_default_is_embedded_not_a_tile_grid(recwarn):
    b = boundaries.load_boundaries("ADM1")   # tests run with IRAQ_ATLAS_OFFLINE=1 and an empty cache
    assert b.origin == "embedded" and not b.is_fallback
    assert sorted(b.gdf.iso_3166_2) == sorted(iso_codes())
    assert b.attribution == "Boundaries: OCHA, CSO, ITOS (COD-AB Iraq), CC BY-IGO"
    assert not recwarn.list                  # nothing printed or warned
    caps = boundaries.capital_points()
    assert len(caps) == 18


def test_tile_grid_only_when_asked_for():
    grid = boundaries.tile_grid()
    assert sorted(grid.iso_3166_2) == sorted(iso_codes())
    # tiles do not overlap
    assert grid.geometry.union_all().area == pytest.approx(sum(g.area for g in grid.geometry))
    tb = boundaries.tile_grid_boundaries()
    assert tb.is_fallback and tb.origin == "tile-grid" and "not a map" in tb.attribution


@pytest.mark.parametrize("level,count,key", [("ADM0", 1, "iso"), ("ADM1", 18, "iso_3166_2"),
                                             ("ADM2", 101, "district_pcode"), ("ADM3", 294, "subdistrict_pcode")])
def test_embedded_levels_counts_and_keys(level, count, key):
    b = boundaries.load_boundaries(level)
    assert b.origin == "embedded" and len(b.gdf) == count and b.id_column == key
    assert b.gdf[key].is_unique and b.gdf.crs.to_epsg() == 4326
    assert "OCHA, CSO, ITOS" in b.attribution
    if level in ("ADM2", "ADM3"):
        names = ["district", "district_ar"] + (["subdistrict", "subdistrict_ar"] if level == "ADM3" else [])
        assert b.gdf[names].notna().all().all()
        assert set(b.gdf.iso_3166_2) == set(iso_codes())
    if level == "ADM2":
        assert (b.gdf.iso_3166_2 == "IQ-BG").sum() == 7
        assert b.gdf.set_index("district_pcode").loc["IQG08Q03", "district"] == "Al-Karkh"
    if level == "ADM3":
        assert b.gdf.set_index("subdistrict_pcode").loc["IQG08Q02N02", "subdistrict"] == "Abu Ghraib"


def _write_one(tmp_path, name, pcode="IQG08"):
    from iraq_atlas.places.boundaries import embedded_path

    data = json.loads(embedded_path("ADM1").read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"]["ADM1_PCODE"] == pcode]
    f = tmp_path / name
    f.write_text(json.dumps(data), encoding="utf-8")
    return f


def test_loader_order_path_then_env_then_embedded(tmp_path, monkeypatch):
    given = _write_one(tmp_path, "given_adm1.geojson", "IQG08")
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    _write_one(env_dir, "irq_admbnda_adm1_test.geojson", "IQG02")
    assert boundaries.load_boundaries("ADM1").origin == "embedded"
    monkeypatch.setenv("IRAQ_ATLAS_BOUNDARIES", str(env_dir))
    env = boundaries.load_boundaries("ADM1")
    assert env.origin == "env" and env.gdf.iso_3166_2.tolist() == ["IQ-BA"]
    with pytest.raises(FileNotFoundError, match="no ADM3 boundary file"):
        boundaries.load_boundaries("ADM3")   # the folder has no ADM3: an error, not the embedded file
    b = boundaries.load_boundaries("ADM1", given)
    assert b.origin == "path" and b.gdf.iso_3166_2.tolist() == ["IQ-BG"]
    monkeypatch.delenv("IRAQ_ATLAS_BOUNDARIES")
    assert len(boundaries.load_boundaries("ADM1").gdf) == 18


def test_embedded_works_from_an_installed_copy(tmp_path, monkeypatch):
    """The loader finds the files through files.data_path, i.e. the wheel's geodata copy or $IRAQ_ATLAS_GEODATA."""
    import shutil

    from iraq_atlas.files import data_path

    copy = tmp_path / "geodata"
    shutil.copytree(data_path("boundaries"), copy / "boundaries")
    monkeypatch.setenv("IRAQ_ATLAS_GEODATA", str(copy))
    b = boundaries.load_boundaries("ADM2")
    assert b.origin == "embedded" and len(b.gdf) == 101


@pytest.mark.parametrize("name", ["Halabja", "halabja", "HALABJA", "Halabja Governorate", "حلبجة", "Halabjah"])
def test_halabja_is_mapped_to_sulaymaniyah_by_rule(name):
    from iraq_atlas.places.governorates import ADMIN1_RULES

    assert ADMIN1_RULES["Halabja"] == "IQ-SU"
    assert to_iso(name) == "IQ-SU"


def test_missing_user_path_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(FileNotFoundError):
        boundaries.load_boundaries("ADM1", tmp_path / "nope.geojson")


def _serve_geojson(body: bytes) -> LocalServer:
    srv = LocalServer({"/files/irq1.geojson": lambda q: (200, "application/geo+json", body)})
    srv.routes["/api/"] = lambda q: json_response({"gjDownloadURL": f"{srv.url}/files/irq1.geojson"})
    return srv


def test_a_download_cut_short_by_a_full_disk_keeps_the_cached_file(tmp_path, monkeypatch):
    from disk_full import fill_disk_after

    dest = tmp_path / "cache" / "geoBoundaries-IRQ-ADM1.geojson"
    dest.parent.mkdir()
    dest.write_bytes(b'{"type": "FeatureCollection", "features": []}')
    new = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                                   "geometry": None}] * 50}).encode()
    with _serve_geojson(new) as srv:
        fill_disk_after(monkeypatch, len(new) // 2)
        with pytest.raises(OSError, match="No space left"):
            boundaries.download_boundaries("ADM1", api_url=f"{srv.url}/api/", dest=dest)
    assert [p.name for p in dest.parent.iterdir()] == [dest.name]        # no half-written or temporary file
    assert dest.read_bytes() == b'{"type": "FeatureCollection", "features": []}'


def test_a_downloaded_file_has_the_umask_permissions(tmp_path):
    import stat

    from iraq_atlas.files import UMASK

    body = b'{"type": "FeatureCollection", "features": []}'
    with _serve_geojson(body) as srv:
        got = boundaries.download_boundaries("ADM1", api_url=f"{srv.url}/api/", dest=tmp_path / "adm1.geojson")
    assert got.read_bytes() == body and [p.name for p in tmp_path.iterdir()] == ["adm1.geojson"]
    assert stat.S_IMODE(got.stat().st_mode) == 0o666 & ~UMASK != 0o600
