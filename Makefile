# The kit's entry points. `make demo` and `make test` work on a fresh clone.
# An interpreter every account can read: a pyenv under a private home (/root/.pyenv) would make
# the venv unusable for normal users and for the tests that run as one.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11 /usr/local/bin/python3.11) python3.11)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-fast bytecode release wheel regen lab lab-student lab-reset bench system system-demo clean

# The virtual environment, rebuilt when the pins change (scripts/make_venv.sh): torch's CPU build
# first, for any user (scripts/install_torch_cpu.sh: a local CPU wheel, else PyTorch's CPU index, else
# PyPI's CUDA build with a warning), then the student package (course/) and the instructor package
# (autograder/), both editable; installed by uv, or by pip where uv cannot be had.
$(STAMP): pyproject.toml packaging/student/pyproject.toml scripts/install_torch_cpu.sh scripts/make_venv.sh
	bash scripts/make_venv.sh $(PYTHON) $(VENV)
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the kit needs (Chromium for the browser tests, a CJK font for figures, Node.js and
# npm), then JupyterHub's configurable-http-proxy and axe-core (the accessibility tests) from the
# npm registry (exact versions, npm ci).
system:
	bash scripts/install_system_packages.sh
	bash scripts/install_hub_proxy.sh
	bash scripts/install_axe.sh

# What the demo and the lab need of the system: the font for the figures (nothing for a normal user
# who has it; no browser, no Node.js).
system-demo:
	bash scripts/install_system_packages.sh demo

demo: $(STAMP) system-demo
	$(BIN)/python examples/run_demo.py

# The whole suite: CI's command (.ci/run). PYTEST_ARGS adds options (e.g. -k, -x, --update-goldens, -n 0).
# Two pytest-xdist workers: much of the suite waits on subprocesses, Chromium and the hub, so one process
# leaves a core idle; tests sharing a module or session fixture stay on one worker (tests/support/xdist_groups.py).
PYTEST_ARGS ?=
XDIST ?= -n 2 --dist loadgroup
test: $(STAMP) system bytecode
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The kit's own modules compiled once, before the suite's hundreds of Python processes import them: pip
# compiled site-packages, but not the editable packages, and where PYTHONDONTWRITEBYTECODE is set (CI's
# environment) no process writes what it compiled, so each would compile the kit again (~0.1 s apiece).
# Python reads these files with or without that variable; __pycache__/ is ignored by git.
bytecode: $(STAMP)
	$(BIN)/python -m compileall -q -j 0 autograder course tests/support tests/hostile/harness.py examples/*.py

# The unit and single-submission tests: everything not marked slow (tests/conftest.py says what is),
# in under 3 minutes on 2 cores. No browser, hub or class grading, so no system packages but the font.
test-fast: $(STAMP) system-demo bytecode
	$(BIN)/python -m pytest -m "not slow" $(XDIST) $(PYTEST_ARGS)

release: $(STAMP)
	$(BIN)/python scripts/regenerate_release.py

# Everything generated from the exercise records (autograder/exercises/<name>.py), in order, after
# adding or changing one: the records' points into the source notebooks, the public cases and
# messages (course/), the README's and docs/contract.md's tables, the student wheel, release/
# (nbgrader generate_assignment, which also rebuilds the wheel into source/), the example
# submissions, and the golden outputs. Review `git diff` after it: the goldens are rewritten.
regen: $(STAMP)
	$(BIN)/python -m autograder.exercises.sync_notebooks
	$(BIN)/python -m autograder.grading.make_public_cases
	$(BIN)/python -m autograder.grading.tables
	$(MAKE) wheel PYTHON=$(BIN)/python
	$(BIN)/python scripts/regenerate_release.py
	$(BIN)/python examples/make_submissions.py
	$(BIN)/python -m pytest tests/test_golden.py --update-goldens -q -p no:cacheprovider

# Only the student wheel (after a change in course/): rebuilt into source/pooling/ and copied to
# release/pooling/ and the English edition's folders, as `nbgrader generate_assignment` and
# scripts/build_english_edition.py copy it (`make release` does all that and more).
wheel:
	$(PYTHON) packaging/student/pooling_course_build.py --out source/pooling
	cp source/pooling/pooling_course-*.whl release/pooling/
	cp source/pooling/pooling_course-*.whl source/pooling_en/
	cp source/pooling/pooling_course-*.whl release/pooling_en/

# JupyterLab on lab/, a gitignored nbgrader course directory (scripts/make_lab.py): the notebooks, the
# formgrader with its gradebook, the exchange and the Assignment List work there; tracked files never change.
lab: $(STAMP) system-demo
	$(BIN)/python scripts/make_lab.py
	cd lab && ../$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root)

# JupyterLab as a student sees it: lab/student/ (the released notebooks), without nbgrader's
# instructor UI (formgrader, Create Assignment, course list: scripts/student_lab.py).
lab-student: $(STAMP) system-demo
	$(BIN)/python scripts/student_lab.py

lab-reset:
	rm -rf lab

bench: $(STAMP)
	$(BIN)/python benchmarks/grading_throughput.py

clean:
	rm -rf $(VENV) demo-out autograded feedback gradebook.db tests/artifacts
