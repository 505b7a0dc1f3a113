"""Places: names, governorates, the gazetteer, geocoding, boundaries and spatial tests."""
