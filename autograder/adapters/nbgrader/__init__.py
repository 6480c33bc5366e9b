"""nbgrader's autograde, feedback and gradebook, run by the kit's engine (named in nbgrader_config.py)."""
