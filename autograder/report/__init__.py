"""The class report: its data, plots, templates, and the integrity analysis."""
