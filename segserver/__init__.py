"""segserver: filled in by later issues."""
