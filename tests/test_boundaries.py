"""The boundary loader: user file (OCHA and geoBoundaries schemas), env var, download via a local server, cache, fallback."""

import json

import pytest
from localserver import LocalServer, json_response

from iraq_atlas.errors import DataError
from iraq_atlas.places import boundaries
from iraq_atlas.places.governorates import iso_codes

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
    routes = {"/files/irq1.geojson": lambda q: (200, "application/geo+json", gb)}
    with LocalServer(routes) as srv:
        routes["/api/current/gbOpen/IRQ/ADM1/"] = lambda q: json_response(
            {"boundaryISO": "IRQ", "gjDownloadURL": f"{srv.url}/files/irq1.geojson"})
        b = boundaries.load_boundaries("ADM1", download=True, api_url=f"{srv.url}/api/current/gbOpen/IRQ/ADM1/")
        assert b.origin == "download" and len(b.gdf) == 18
        assert srv.requests == ["/api/current/gbOpen/IRQ/ADM1/", "/files/irq1.geojson"]
        again = boundaries.load_boundaries("ADM1", download=True, api_url=f"{srv.url}/api/current/gbOpen/IRQ/ADM1/")
        assert again.origin == "cache" and len(srv.requests) == 2
    assert (tmp_path / "cache" / "geoBoundaries-IRQ-ADM1.geojson").exists()
    assert not list((tmp_path / "cache").glob("*.part"))


def test_failed_download_falls_back_to_tile_grid_and_caches_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("IRAQ_ATLAS_CACHE", str(tmp_path / "cache"))
    with LocalServer({"/files/x": lambda q: (200, "application/json", b"{not json")}) as srv:
        routes_api = f"{srv.url}/api/"
        srv.routes["/api/"] = lambda q: json_response({"gjDownloadURL": f"{srv.url}/files/x"})
        with pytest.warns(UserWarning, match="download failed"):
            b = boundaries.load_boundaries("ADM1", download=True, api_url=routes_api)
    assert b.is_fallback and "humdata" in b.message
    assert not (tmp_path / "cache" / "geoBoundaries-IRQ-ADM1.geojson").exists()


def test_offline_fallback_is_a_tile_grid_of_all_governorates():
    b = boundaries.load_boundaries("ADM1")   # tests run with IRAQ_ATLAS_OFFLINE=1 and an empty cache
    assert b.is_fallback and b.origin == "fallback"
    assert sorted(b.gdf.iso_3166_2) == sorted(iso_codes())
    # tiles do not overlap
    assert b.gdf.geometry.union_all().area == pytest.approx(sum(g.area for g in b.gdf.geometry))
    caps = boundaries.capital_points()
    assert len(caps) == 18


def test_missing_user_path_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(FileNotFoundError):
        boundaries.load_boundaries("ADM1", tmp_path / "nope.geojson")
