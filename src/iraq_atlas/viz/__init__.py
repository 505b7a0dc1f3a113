"""Drawing: charts (matplotlib), timelines, tables and maps (folium). Nothing here computes data."""
