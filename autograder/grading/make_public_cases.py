"""Write ``course/public_cases.json`` (the small public cases ``course.check`` runs) and
``course/exercise_messages.json`` (the records' own misconception messages).

For every graded function, the smallest case of each property group, drawn
with a seed the hidden suites don't use; with it the expected output and,
for each known-mistake model whose output differs there, that output (so
``check`` can name a misconception without shipping any code); and each
function's parameter names, with which the feedback describes a call.

    python -m autograder.grading.make_public_cases          # rewrite the files
    python -m autograder.grading.make_public_cases --check  # exit 1 if one is stale
    python -m autograder.grading.make_public_cases --only NAME[,NAME]  # draw only these functions' cases again

The student package gets from here everything of a record it may see (public cases, mistake
outputs, parameter names, operator rules, notebooks, messages), never a reference or a hidden case.
"""
import json
import pathlib
import sys

from autograder.grading import mistakes
from autograder.exercises import make_cases
from autograder.exercises import EXERCISES as FUNCTIONS
from autograder.grading.suites import expected_of
from course.compare import compare
from course.messages import EXERCISE_MESSAGES, GENERAL, GENERAL_GROUPS
from course.public_cases import PUBLIC_CASES
from course.values import to_json as encode

PUBLIC_SEED = 20240601   # never a hidden-suite seed (those are small ints)
PER_GROUP = 2


def _record(name, case):
    """The JSON form of one public case, with the outputs of the mistake models wrong on it."""
    expected = expected_of(name, case)
    wrong = []
    if not case.expect_error:
        for model in mistakes.MODELS.get(name, []):
            value = mistakes.run_model(model, case)
            if value is None:
                wrong.append({"id": model.name, "raises": True})
            elif not compare(expected, value, scale=case.scale).ok:
                wrong.append({"id": model.name, "value": encode(value)})
    return {
        "group": case.group,
        "args": [encode(a) for a in case.args],
        "kwargs": {k: encode(v) for k, v in case.kwargs.items()},
        "expected": None if case.expect_error else encode(expected),
        "expect_error": case.expect_error,
        "scale": case.scale,
        "size": case.size,
        "mistakes": wrong,
    }


def public_cases(name):
    """Per group: its PER_GROUP smallest cases, then, for each mistake the group is there to
    catch (the models whose ``catches`` name it) and no chosen case catches yet, the group's smallest
    case that does (a mode group also keeps one case that must raise)."""
    by_group: dict[str, list] = {}
    for case in make_cases(name, PUBLIC_SEED):
        by_group.setdefault(case.group, []).append(case)
    out: list = []
    for group, cases in by_group.items():
        ordered = sorted(cases, key=lambda c: c.size)
        records = {id(c): _record(name, c) for c in ordered}
        chosen = ordered[:PER_GROUP]
        if group == "mode" and not any(c.expect_error for c in chosen):
            chosen.append(next(c for c in ordered if c.expect_error))
        for target in mistakes.targets(name, group):   # every model of the group's mistakes, variants apart
            def catches(c):
                return any(m["id"] == target and "value" in m for m in records[id(c)]["mistakes"])
            if any(catches(c) for c in chosen):
                continue
            extra = next((c for c in ordered if catches(c)), None)
            if extra is not None:
                chosen.append(extra)
        out.extend(records[id(c)] for c in chosen)
    return out


def build(only=None):
    """The whole file's data. ``only``: names whose public cases are drawn again (the slow part);
    every other function keeps the cases the file has (a record just added or edited, quickly)."""
    kept = {} if only is None else json.loads(pathlib.Path(PUBLIC_CASES).read_text(encoding="utf-8"))["functions"]
    missing = [f.name for f in FUNCTIONS if only is not None and f.name not in only and f.name not in kept]
    if missing:
        raise SystemExit(f"{PUBLIC_CASES} has no cases for {', '.join(missing)}: name them in --only")

    def cases(name):
        return public_cases(name) if only is None or name in only else kept[name]
    return {"version": 2, "seed": PUBLIC_SEED,
            "mistake_order": {f.name: list(mistakes.order(f.name)) for f in FUNCTIONS},
            "params": {f.name: list(f.params) for f in FUNCTIONS},
            # each function's operator rule (the record's ``forbid``) and its notebook: check() applies it
            "rules": {f.name: f.forbid for f in FUNCTIONS},
            "notebooks": {f.name: f.notebook for f in FUNCTIONS},
            "functions": {f.name: cases(f.name) for f in FUNCTIONS}}


def render(only=None):
    return json.dumps(build(only), ensure_ascii=False, separators=(",", ":")) + "\n"


def exercise_messages():
    """Every record's own words: ``misconceptions`` (id -> [zh, en, hint zh, hint en, hint as "zh+en"
    shows it]) and ``groups`` (property group -> [zh, en, as "zh+en" shows it])."""
    out, groups = {}, {}
    for f in FUNCTIONS:
        for mid, (zh, en, hint) in f.messages.items():
            if mid in out or mid in GENERAL:
                raise ValueError(f"misconception {mid!r} is written twice (two records, or a record and "
                                 f"course/messages.py): one id, one message")
            out[mid] = [zh, en, hint.zh, hint.en, str.__str__(hint)]
        for name, title in f.group_titles.items():
            if name in groups or name in GENERAL_GROUPS:
                raise ValueError(f"the title of group {name!r} is written twice: one group, one title")
            groups[name] = [title.zh, title.en, str.__str__(title)]
    return {"misconceptions": out, "groups": groups}


def render_messages():
    return json.dumps(exercise_messages(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def outputs(only=None):
    """(path, text) of every file this module writes."""
    return [(pathlib.Path(PUBLIC_CASES), render(only)), (pathlib.Path(EXERCISE_MESSAGES), render_messages())]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    only = None
    if "--only" in argv:
        only = set(argv[argv.index("--only") + 1].split(","))
        unknown = only - {f.name for f in FUNCTIONS}
        if unknown:
            raise SystemExit(f"no exercise record named {', '.join(sorted(unknown))}")
    stale = 0
    for path, text in outputs(only):
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                print(f"{path} is stale: run python -m autograder.grading.make_public_cases")
                stale = 1
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({len(text)} bytes)")
    return stale


if __name__ == "__main__":
    sys.exit(main())
