"""Data side of the Preview (DESIGN §9): DuckDB reads, type detection, LTTB, export. No Textual."""
