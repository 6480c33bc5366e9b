"""The kit's core: the typed objects every layer shares (the grading configuration, results, the course directory)."""
