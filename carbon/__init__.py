"""煤炭产业可持续发展: GHG inventory, methane, CCUS, indicators (issue #13)."""
