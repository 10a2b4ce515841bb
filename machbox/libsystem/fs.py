"""fs exports (to be filled)."""

EXPORTS: dict[str, dict[str, str]] = {}
