"""The command line: ``autograder grade | report | export | ...`` (``commands``), and its progress bar.

``main`` is the console script's entry point (``autograder = "autograder.cli:main"``, as installed
environments name it); it is imported on first use, so ``autograder.cli.progress`` stays light.
"""


def __getattr__(name):
    if name == "main":
        from autograder.cli.commands import main
        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
