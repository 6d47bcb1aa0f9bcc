"""Generic plugins that any province may enable (the national rules are one of them)."""
