"""learner: filled in by later issues."""
