"""``python -m autograder.cli ...``: the command line."""
import sys

from autograder.cli.commands import main

sys.exit(main())
