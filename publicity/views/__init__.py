"""Pages of the publicity module (thin: scoping functions read, services write)."""
