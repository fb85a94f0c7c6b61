"""Open311 GeoReport v2 at /open311/v2/ (docs/grievances.md, "Open311"): hotline and app systems push
grievances and pull their status with an API key of a federation node."""
