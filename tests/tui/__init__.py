"""TUI tests (Pilot and SVG snapshots)."""
