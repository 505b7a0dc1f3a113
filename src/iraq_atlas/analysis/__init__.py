"""Analysis: incidents joined to places, elections and milestones; windows, summaries and bands."""
