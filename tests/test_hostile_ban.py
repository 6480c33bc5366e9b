"""The operator rule, graded with `autograder grade`: what is automatic, what goes to a person.

Each case in tests/hostile/ban/ is one answer cell that replaces one function's answer in the
instructor's notebook. Inside one Python process the rule cannot be proven, so:

* a forbidden operator the grader sees plainly -- named in the source (any spelling the parent
  resolves statically), or recorded during a call -- costs the function its points, at once;
* constructs that could evade the rule (threads, gc, frames, dispatch internals, names built at
  run time, patching modules, classes or builtins the answer does not own) are review flags
  ``review:<construct>``: in grades.csv, the report's integrity section and the feedback page,
  whose student text says the answer will be reviewed;
* the child's reply cannot be rewritten by the answer (``patch_*``): the pooling operator is still
  reported, so the recorder's automatic 0 stands, and the patch is flagged for review;
* honest answers (``honest_*``: PyTorch's _pair and _ntuple, nn.Conv2d modules, F.one_hot and
  np.eye kernels in the bonus, as_strided, helpers, classes they own) keep full marks, no flag.
"""
import re
import json
import pathlib
import sys

import pytest

from support.slow import slow_fixture

import harness  # noqa: E402

BAN = pathlib.Path(__file__).resolve().parent / "hostile" / "ban"
NB1, NB2 = "01_basics", "02_as_convolution"
FULL = {NB1: {"test_pool2d": 2.0, "test_pool2d_padded": 3.0},
        NB2: {"test_avg_pool_as_conv": 2.0, "test_max_pool_as_conv": 3.0, "test_max_pool_conv_relu": 1.0}}

# case -> (attacked function, notebook, misconception, flags the row must carry (prefixes))
CASES = {
    "thread_pool2d_padded": ("pool2d_padded", NB1, "forbidden_op", ["forbidden_op:F.max_pool2d", "review:threads@"]),
    "gc_avg_pool_as_conv": ("avg_pool_as_conv", NB2, "forbidden_op", ["forbidden_op:F.avg_pool2d", "review:gc@"]),
    "getframe_max_pool_as_conv": ("max_pool_as_conv", NB2, "forbidden_op",
                                  ["forbidden_op:F.max_pool2d", "review:frames@"]),
    "dispatch_off_pool2d_padded": ("pool2d_padded", NB1, "forbidden_op",
                                   ["forbidden_op:F.max_pool2d", "review:dispatch@"]),
    "dispatch_c_max_pool_as_conv": ("max_pool_as_conv", NB2, "forbidden_op",
                                    ["forbidden_op:F.max_pool2d", "review:dispatch@"]),
    "bonus_numpy": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:numpy"]),
    "bonus_builtin_max": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:tolist"]),
    "bonus_torch_maximum": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:torch.maximum"]),
    "bonus_sort": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:sort"]),
    "bonus_python_floats": ("max_pool_conv_relu", NB2, "conv_relu_only", []),     # the recorder: float() on X
    # laundering X without any op on it (each got full marks and no flag before): the recorder follows
    # X's memory (storage) and its ways out (storages, dlpack, apply_/map_); the static check follows
    # torch's own utilities that store one argument's data in another, into containers
    "bonus_torch_save": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:amax"]),
    "bonus_vector_to_parameters": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:amax"]),
    "bonus_typed_storage": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:typed_storage"]),
    "bonus_apply": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:apply"]),
    "bonus_map": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:map"]),
    # numpy memory written through a view the source never names: the static check alone (the
    # recorder cannot see numpy read memory torch does not own)
    "bonus_numpy_view_write": ("max_pool_conv_relu", NB2, "conv_relu_only", ["forbidden_op:max"]),
    # the child's reply: patched bindings are put back before sending, and reported
    "patch_json_dumps_pool2d": ("pool2d", NB1, "forbidden_op",
                                ["review:patched_json_dumps", "review:monkeypatch@", "review:dynamic_name@"]),
    "patch_sendall_pool2d_padded": ("pool2d_padded", NB1, "forbidden_op",
                                    ["review:patched_socket_socket_sendall", "review:monkeypatch@"]),
    "patch_builtins_sorted_avg_pool_as_conv": ("avg_pool_as_conv", NB2, "forbidden_op",
                                               ["review:patched_builtins_sorted", "review:dynamic_name@"]),
    "patch_recorder_exit_max_pool_as_conv": ("max_pool_as_conv", NB2, "forbidden_op",
                                             ["review:patched_OpRecorder_exit", "review:gc@"]),
    "patch_send_message_pool2d": ("pool2d", NB1, "forbidden_op",
                                  ["review:patched_protocol_send_message", "review:gc@"]),
    # two cells (the pool2d cell lifts an interpreter limit): the parent cannot parse what the child runs
    "unparsed_recursion_pool2d_padded": ("pool2d_padded", NB1, "forbidden_op", ["review:unparsed_cell@"]),
    "unparsed_int_digits_pool2d_padded": ("pool2d_padded", NB1, "forbidden_op", ["review:unparsed_cell@"]),
}
SPLIT = "# ---- answer_"     # a case file that replaces two answer cells: "# ---- answer_<function> ----"
# honest answers learners write: full marks, no flag of either kind
HONEST = {
    "honest_pair_pool2d_padded": ("pool2d_padded", NB1),
    "honest_ntuple_as_strided_pool2d": ("pool2d", NB1),
    "honest_helpers_stack_pool2d": ("pool2d", NB1),
    "honest_onehot_minpad_max_pool_as_conv": ("max_pool_as_conv", NB2),
    "honest_conv_module_avg_pool_as_conv": ("avg_pool_as_conv", NB2),
    "honest_onehot_max_pool_conv_relu": ("max_pool_conv_relu", NB2),
    "honest_np_eye_max_pool_conv_relu": ("max_pool_conv_relu", NB2),
    "honest_conv_module_max_pool_conv_relu": ("max_pool_conv_relu", NB2),
}


# answers that compute after the call, outside the recorder (full marks, no flag before): not a rule
# verdict now, but what they return is what is graded -- the child encodes the reply with the base
# classes' own methods (an instance attribute `detach` never runs), so the answer is an empty tensor
DEFERRED = {
    "bonus_deferred_detach": ("max_pool_conv_relu", NB2),
}


# the recorder silenced for the rest of each call, with the operator's name built at run time: what
# one process cannot prove. The value is right, so the points stand; the child puts back what was
# patched and says so, and the row goes to a person (these review flags, on the function's row)
SILENCED = {
    "silence_dispatch_switch_pool2d_padded": ("pool2d_padded", NB1,
                                              ["review:patched_dispatch_dynamo_disable",
                                               "review:gc@", "review:dynamic_name@"]),
}


def test_every_case_file_is_graded():
    assert {p.stem for p in BAN.glob("*.py") if not p.stem.startswith("_")} == \
        set(CASES) | set(HONEST) | set(DEFERRED) | set(SILENCED)


def _class():
    """SUBMISSIONS: `honest` (both notebooks) and one student per case (the attacked notebook)."""
    subs = harness._BASE / "ban_class"
    if subs.exists():
        return subs

    def put(student, notebook, nb):
        d = subs / student / "pooling"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{notebook}.ipynb").write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    put("honest", NB1, harness.source_nb(NB1))
    put("honest", NB2, harness.source_nb(NB2))
    for case, (function, notebook, *_rest) in [*CASES.items(), *HONEST.items(), *DEFERRED.items(), *SILENCED.items()]:
        code = (BAN / f"{case}.py").read_text(encoding="utf-8")
        if SPLIT in code:
            head, tail = code.split(SPLIT, 1)
            second, tail = tail.split(" ----\n", 1)
            first = [f for f in ("pool2d", "pool2d_padded") if f != second][0]
            nb = harness.with_answer(head, function=first, notebook=notebook)
            for c in nb["cells"]:
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == f"answer_{second}":
                    c["source"] = tail
            put(f"ban_{case}", notebook, nb)
        else:
            put(f"ban_{case}", notebook, harness.with_answer(code, function=function, notebook=notebook))
    return subs


@slow_fixture(scope="module")
def graded():
    rows, out = harness.graded_once("ban", _class)
    return {"rows": {(r["student_id"], r["notebook"], r["grade_id"]): r for r in rows}, "out": out}


def _flags(row):
    return [f for f in row["flags"].split(";") if f]


def test_honest_keeps_full_marks(graded):
    for notebook, tests in FULL.items():
        for grade_id, pts in tests.items():
            row = graded["rows"][("honest", notebook, grade_id)]
            assert float(row["points"]) == pts, row
            assert not any(f.startswith(("review:", "forbidden_op:", "tampering:")) for f in _flags(row)), row


@pytest.mark.parametrize("case", sorted(HONEST))
def test_honest_answers_learners_write_get_full_marks_and_no_flag(graded, case):
    function, notebook = HONEST[case]
    for grade_id, pts in FULL[notebook].items():
        row = graded["rows"][(f"ban_{case}", notebook, grade_id)]
        assert float(row["points"]) == pts, (grade_id, row)
        assert row["status"] == "passed", row
        # solution_copy: the rest of the notebook is the instructor's own text in this harness
        assert not any(f.startswith(("review:", "forbidden_op:", "tampering:")) for f in _flags(row)), row


@pytest.mark.parametrize("case", sorted(DEFERRED))
def test_code_run_after_the_call_changes_nothing_that_is_graded(graded, case):
    function, notebook = DEFERRED[case]
    row = graded["rows"][(f"ban_{case}", notebook, f"test_{function}")]
    assert float(row["points"]) == 0.0 and row["status"] == "failed", row
    assert row["misconception"] == "wrong_shape", row          # the empty tensor it really returned


@pytest.mark.parametrize("case", sorted(SILENCED))
def test_a_silenced_recorder_goes_to_a_person(graded, case):
    function, notebook, expected = SILENCED[case]
    row = graded["rows"][(f"ban_{case}", notebook, f"test_{function}")]
    flags = _flags(row)
    for prefix in expected:
        assert any(f.startswith(prefix) for f in flags), (prefix, flags)
    assert float(row["points"]) == FULL[notebook][f"test_{function}"], row     # not proven: not a verdict


@pytest.mark.parametrize("case", sorted(CASES))
def test_attacker_earns_nothing_there_and_keeps_the_rest(graded, case):
    function, notebook, _mid, _flags_ = CASES[case]
    student = f"ban_{case}"
    for grade_id, pts in FULL[notebook].items():
        row = graded["rows"][(student, notebook, grade_id)]
        if grade_id == f"test_{function}":
            assert float(row["points"]) == 0.0, row
        else:
            assert float(row["points"]) == pts, row


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_row_says_what_and_where(graded, case):
    function, notebook, mid, expected = CASES[case]
    row = graded["rows"][(f"ban_{case}", notebook, f"test_{function}")]
    assert row["status"] == "failed"
    assert row["misconception"] == mid
    flags = _flags(row)
    for prefix in expected:
        assert any(f.startswith(prefix) for f in flags), (prefix, flags)
    # review flags carry the place: the notebook's cell and the line
    for f in flags:
        if f.startswith("review:") and "@" in f:
            assert __import__("re").fullmatch(r"review:\w+@cell\d+(:line\d+)?", f), f
    if any(f.startswith("forbidden_op:") for f in expected):
        named = [f.split(":", 1)[1] for f in flags if f.startswith("forbidden_op:")]
        assert any(n in row["message"] for n in named), row["message"]
        assert "第" in row["message"] and "行" in row["message"] and "line" in row["message"], row["message"]


@pytest.mark.parametrize("case", sorted(c for c in CASES if c.startswith("unparsed_")))
def test_what_the_parent_cannot_parse_is_unverifiable_for_every_function(graded, case):
    _function, notebook, _mid, _expected = CASES[case]
    for grade_id in FULL[notebook]:
        row = graded["rows"][(f"ban_{case}", notebook, grade_id)]
        assert any(f.startswith("review:unparsed_cell@") for f in _flags(row)), (grade_id, row["flags"])


@pytest.mark.parametrize("case", sorted(c for c in CASES if c.startswith("patch_")))
def test_a_patch_never_hides_the_operator_and_goes_to_a_person(graded, case):
    """The pool op still reached the parent (the recorder's automatic 0, not the static one: the
    name is built at run time), and the patch is a review flag on the function's row."""
    function, notebook, _mid, expected = CASES[case]
    row = graded["rows"][(f"ban_{case}", notebook, f"test_{function}")]
    assert "pool" in row["message"], row["message"]
    assert any(f.startswith("review:patched_") for f in _flags(row)), row["flags"]


def test_feedback_pages_say_a_person_will_review(graded):
    from autograder.run.write import student_dir

    def page(student, notebook):
        text = (student_dir(graded["out"], student) / f"{notebook}.html").read_text(encoding="utf-8")
        return re.sub(r"<[^>]*>", "", text)              # the page's text (English parts are in <span lang>)
    flagged = [(f"ban_{c}", nb) for c, (_f, nb, _m, exp) in CASES.items() if any(e.startswith("review:") for e in exp)]
    flagged += [(f"ban_{c}", nb) for c, (_f, nb, _exp) in SILENCED.items()]
    for student, notebook in flagged:
        assert "这个答案将由老师复核 / This answer will be reviewed by a person" in page(student, notebook), student
    for (student, notebook) in [("honest", NB1), ("honest", NB2)] + [(f"ban_{c}", nb) for c, (_f, nb) in HONEST.items()]:
        assert "This answer will be reviewed" not in page(student, notebook), student


def test_report_lists_the_flagged_rows(graded):
    from autograder.report import report
    rep = report.build(graded["out"])
    listed = {(p.student_id, p.grade_id) for p in rep.problems.integrity}
    for case, (function, _nb, _mid, expected) in CASES.items():
        if expected:
            assert (f"ban_{case}", f"test_{function}") in listed
    for p in rep.problems.integrity:
        if p.student_id == "honest" or p.student_id.startswith("ban_honest_"):
            assert "review:" not in p.message and "forbidden_op:" not in p.message, p
