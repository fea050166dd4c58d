"""Bulk import of declarations from CSV, XLSX and JSON lines files, through the same lodging as the API."""
