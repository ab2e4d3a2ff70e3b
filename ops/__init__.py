"""production operation: task runs, metrics, load and fault tooling (issue #8)."""
