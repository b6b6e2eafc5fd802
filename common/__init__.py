"""common: plumbing every package may use and that imports none of them (atomic file writes)."""
