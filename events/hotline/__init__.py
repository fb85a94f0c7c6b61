"""Batches of 12351 hotline tickets imported from the spreadsheets hotline systems export (docs/grievances.md)."""
