"""protos: filled in by later issues."""
