"""Deprecated, removed in the next release: this module is ``autograder.adapters.nbgrader.checksums``.

Kept at its old name because deployed nbgrader_config.py files import it by this name
(nbgrader_config.py, docs/deploy.md, tests/test_hub.py, scripts/make_lab.py). The name is bound to
the module itself, so configuration keyed by its classes and ``from autograder.nbgrader_checksums
import ...`` work unchanged.
"""
import sys

from autograder.adapters.nbgrader import checksums as _module

sys.modules[__name__] = _module
