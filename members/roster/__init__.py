"""Rosters in and out: importing a union's member list from Excel or CSV, exporting the scoped list to Excel."""
