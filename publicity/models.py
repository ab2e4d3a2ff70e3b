"""Models of this app (see docs/architecture.md for the shape every app shares)."""
