"""Grading throughput: stock `nbgrader autograde` against `autograder grade`, one batch, one run.

    python benchmarks/grading_throughput.py [--students N] [--workers K] [--skip-stock] [--keep]

Builds one synthetic class (examples/make_class.py; unreadable notebooks are
replaced by the released stub so both graders see the same valid batch), then
grades it

  (a) with stock `nbgrader autograde pooling` in a scratch course directory whose
      nbgrader_config.py has no kit preprocessor, so nbgrader's own Execute runs
      each notebook in a fresh kernel, and
  (b) with `autograder grade BATCH --out DIR --workers K`.

Prints both wall times, their ratio, peak RSS per process of (b), per-notebook
cost and overhead beyond the student code, and whether every score is identical
(nbgrader's gradebook per-cell scores against our grades.csv). Asserts nothing.
"""
import argparse
import csv
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict

import psutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = pathlib.Path(sys.executable).parent
ASSIGNMENT = "pooling"

# The scratch course for stock nbgrader: the kit's course settings, and nothing
# that replaces nbgrader's default Execute preprocessor.
STOCK_CONFIG = '''\
import os
c = get_config()
HERE = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "d2l-pooling"
c.CourseDirectory.root = HERE
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")
c.ClearSolutions.code_stub = {
    "python": "# 在这里写你的代码 / YOUR CODE HERE\\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "在这里写你的答案 / YOUR ANSWER HERE"
'''


def env_with_kit():
    """Environment in which kernels and workers import the kit from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])  # nbgrader runs `alembic`
    env["CI"] = "1"  # plain progress lines, not a bar, inside the benchmark's output
    return env


# --------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------

def build_batch(n, out_dir, seed=0):
    """A class of n students from make_class; unreadable notebooks become the released stub."""
    from examples.make_class import make_class

    comp = make_class(n, out_dir, seed=seed)
    for student, notebook, _kind in comp["malformed"]:
        shutil.copyfile(ROOT / "release" / ASSIGNMENT / f"{notebook}.ipynb",
                        pathlib.Path(out_dir) / student / ASSIGNMENT / f"{notebook}.ipynb")
    (pathlib.Path(out_dir) / "composition.json").unlink()  # not a student
    kinds = defaultdict(int)
    for entry in comp["students"].values():
        for used in entry["functions"].values():
            kinds["stub" if used["invalid"] else used["kind"]] += 1
    n_notebooks = sum(1 for _ in pathlib.Path(out_dir).glob(f"*/{ASSIGNMENT}/*.ipynb"))
    return n_notebooks, dict(kinds)


# --------------------------------------------------------------------------
# Measuring a process tree
# --------------------------------------------------------------------------

FORK_SERVER = 0.5      # the depth given to the local pool's fork server


def _is_fork_server(p) -> bool:
    try:
        return "multiprocessing.forkserver" in " ".join(p.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


class TreeSampler:
    """Samples the RSS of a process and all its descendants until stopped."""

    def __init__(self, pid, interval=0.05):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = {}         # pid -> (peak rss, depth, short name)
        self.tree_peak = 0     # peak of the summed RSS of the whole tree
        self.zygote_cpu = {}   # zygote pid -> CPU seconds of its reaped children (the jailed ones)
        self.worker_pss = {}   # worker pid -> peak PSS of worker + zygote + child (shared pages split fairly)
        self._n = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _depths(self):
        depth = {self.root.pid: 0}
        todo = [self.root]
        procs = [self.root]
        while todo:
            p = todo.pop()
            try:
                kids = p.children()
            except psutil.NoSuchProcess:
                continue
            for k in kids:
                # the pool's fork server (local backend) sits between the CLI and its workers:
                # a level of its own (0.5), so the workers, zygotes and children keep theirs
                # (its workers are forks of it, with its command line: they are its children)
                server = depth[p.pid] != FORK_SERVER and _is_fork_server(k)
                depth[k.pid] = FORK_SERVER if server else int(depth[p.pid]) + 1
                procs.append(k)
                todo.append(k)
        return procs, depth

    def _run(self):
        while not self._stop.is_set():
            try:
                procs, depth = self._depths()
            except psutil.NoSuchProcess:
                return
            total = 0
            for p in procs:
                try:
                    rss = p.memory_info().rss
                    cmdline = p.cmdline()
                    name = " ".join(cmdline)[-70:] or p.name()
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    continue
                total += rss
                # The zygote's reaped children (keepers, which reap the jailed children) carry
                # the students' CPU; keepers and children share its command line, so go by depth.
                if "--zygote" in cmdline and depth[p.pid] == 2:
                    try:
                        t = p.cpu_times()
                        self.zygote_cpu[p.pid] = t.children_user + t.children_system
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
                old = self.peak.get(p.pid)
                if old is None or rss > old[0]:
                    self.peak[p.pid] = (rss, depth[p.pid], name)
            self.tree_peak = max(self.tree_peak, total)
            self._n += 1
            if self._n % 10 == 0:       # PSS reads smaps: costly, so every 10th sample
                self._sample_pss()
            self._stop.wait(self.interval)

    def _sample_pss(self):
        try:
            workers = [w for k in self.root.children()
                       for w in (k.children() if _is_fork_server(k) else [k])]
        except psutil.NoSuchProcess:
            return
        for w in workers:
            try:
                tree = [w] + w.children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            pss = 0
            for p in tree:
                try:
                    pss += p.memory_full_info().pss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, AttributeError):
                    pass
            self.worker_pss[w.pid] = max(self.worker_pss.get(w.pid, 0), pss)

    def by_depth(self):
        """depth -> (number of processes seen, largest peak RSS, a sample name)."""
        out = {}
        for rss, depth, name in self.peak.values():
            n, top, sample = out.get(depth, (0, 0, name))
            out[depth] = (n + 1, max(top, rss), sample if top >= rss else name)
        return dict(sorted(out.items()))


def run_timed(cmd, *, cwd, env, log, sample=False):
    """Run cmd, return (wall seconds, returncode, sampler or None)."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = TreeSampler(proc.pid) if sample else None
        if sampler:
            with sampler:
                proc.wait()
        else:
            proc.wait()
        return time.perf_counter() - start, proc.returncode, sampler


# --------------------------------------------------------------------------
# (a) stock nbgrader
# --------------------------------------------------------------------------

def stock_course(scratch, batch):
    """A scratch nbgrader course: source/, a plain config, the batch under submitted/, a generated release."""
    course = scratch / "stock-course"
    shutil.copytree(ROOT / "source", course / "source")
    (course / "nbgrader_config.py").write_text(STOCK_CONFIG, encoding="utf-8")
    for student in sorted(p.name for p in batch.iterdir() if p.is_dir()):
        shutil.copytree(batch / student / ASSIGNMENT, course / "submitted" / student / ASSIGNMENT)
    # Untimed: registers the assignment, its notebooks and grade cells in a fresh gradebook.
    subprocess.run([str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force"],
                   cwd=course, env=env_with_kit(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return course


def stock_scores(course):
    """{(student, notebook, grade_id): points} of every autograded cell in the gradebook."""
    from nbgrader.api import Gradebook

    out = {}
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        for student in gb.students:
            try:
                sub = gb.find_submission(ASSIGNMENT, student.id)
            except Exception:
                continue
            for nb in sub.notebooks:
                for grade in nb.grades:
                    if grade.cell.cell_type == "code":  # autograded tests, not written answers
                        out[student.id, nb.name, grade.name] = float(grade.score or 0.0)
    return out


# --------------------------------------------------------------------------
# (b) the kit
# --------------------------------------------------------------------------

def kit_command(batch, out, workers):
    return [sys.executable, "-c", "import sys; from autograder.cli.commands import main; sys.exit(main())",
            "grade", str(batch), "--out", str(out), "--workers", str(workers), "--force"]


def kit_rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def kit_scores(rows):
    return {(r["student_id"], r["notebook"], r["grade_id"]): float(r["points"]) for r in rows}


def per_submission_seconds(out):
    """Seconds each submission took inside its worker, from DIR/run.json."""
    meta = json.loads((out / "run.json").read_text(encoding="utf-8"))
    return sorted(meta.get("per_submission_seconds", {}).values())


def compare(stock, ours):
    """(n compared, list of differences) over the cells both graders scored."""
    keys = sorted(set(stock) | set(ours))
    diffs = []
    for k in keys:
        a, b = stock.get(k), ours.get(k)
        if a is None or b is None or abs(a - b) > 1e-9:
            diffs.append((k, a, b))
    return len(keys), diffs


# --------------------------------------------------------------------------

def mb(n):
    return f"{n / 2**20:.0f} MB"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-stock", action="store_true", help="only time autograder grade")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args(argv)

    scratch = pathlib.Path(tempfile.mkdtemp(prefix="pooling-bench-"))
    try:
        batch = scratch / "batch"
        n_nb, kinds = build_batch(args.students, batch, seed=args.seed)
        print(f"batch: {args.students} students, {n_nb} notebooks, answers {kinds}")
        print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
              f"load average {os.getloadavg()[0]:.1f} (other work slows both graders alike)")

        # (b) the kit, first: it is the quick one.
        out = scratch / "kit-out"
        kit_wall, rc, sampler = run_timed(kit_command(batch, out, args.workers), cwd=scratch,
                                          env=env_with_kit(), log=scratch / "kit.log", sample=True)
        if rc != 0:
            print(f"autograder grade failed (exit {rc}); log: {scratch / 'kit.log'}")
            print((scratch / "kit.log").read_text(errors="replace")[-3000:])
            args.keep = True
            return 1
        rows = kit_rows(out)
        ours = kit_scores(rows)
        print(f"\n(b) autograder grade --workers {args.workers}: {kit_wall:.1f} s "
              f"({kit_wall / n_nb * 1000:.0f} ms/notebook wall, {len(rows)} rows)")
        print(f"    peak RSS, whole tree at once: {mb(sampler.tree_peak)}")
        roles = {0: "cli (parent)", FORK_SERVER: "the pool's fork server", 1: "workers", 2: "zygotes", 3: "keepers (one per child)", 4: "sandboxed children"}
        for depth, (n, top, name) in sampler.by_depth().items():
            print(f"    peak RSS depth {depth} ({roles.get(depth, 'deeper')}): {mb(top)} max over {n} processes  e.g. {name}")
        pss = [v for v in sampler.worker_pss.values() if v > 50 << 20]   # skip helper processes
        if pss:
            print(f"    peak PSS per worker (worker + its zygote + its child): "
                  + ", ".join(mb(v) for v in sorted(pss, reverse=True)))
        # Per-notebook cost from the grader's own timings: worker-seconds per notebook,
        # in steady state (median submission) and over the whole run (with warm-up).
        per_sub = per_submission_seconds(out)
        per_nb = n_nb / max(1, len(per_sub))
        busy = sum(per_sub)
        steady = per_sub[len(per_sub) // 2] / per_nb if per_sub else float("nan")
        startup = kit_wall - busy / args.workers
        child = sum(sampler.zygote_cpu.values()) / n_nb
        print(f"    per-notebook cost: {busy / n_nb * 1000:.0f} ms worker-time on average, "
              f"{steady * 1000:.0f} ms in steady state (median submission)")
        print(f"    student code (CPU of the jailed children): {child * 1000:.0f} ms/notebook; "
              f"overhead beyond it: {(steady - child) * 1000:.0f} ms/notebook in steady state")
        print(f"    fixed cost (start-up, warm-up, last stragglers): {startup:.1f} s")
        print(f"    extrapolation: T(N notebooks, K workers) ~ {startup:.1f} s + N x {steady:.3f} s / K; "
              f"10,000 on {args.workers} workers ~ {startup + 10000 * steady / args.workers:.0f} s")

        if args.skip_stock:
            return 0

        # (a) stock nbgrader, same batch.
        course = stock_course(scratch, batch)
        cmd = [str(BIN / "nbgrader"), "autograde", ASSIGNMENT, "--create", "--force"]
        stock_wall, rc, _ = run_timed(cmd, cwd=course, env=env_with_kit(), log=scratch / "stock.log")
        print(f"\n(a) stock nbgrader autograde: {stock_wall:.1f} s ({stock_wall / n_nb:.2f} s/notebook, exit {rc})")

        stock = stock_scores(course)
        n_cmp, diffs = compare(stock, ours)
        print(f"\nratio stock / kit: {stock_wall / kit_wall:.1f}x  (load average now {os.getloadavg()[0]:.1f})")
        if diffs:
            print(f"scores identical: NO, {len(diffs)} of {n_cmp} cells differ")
            for (s, nb, gid), a, b in diffs[:20]:
                print(f"    {s} {nb} {gid}: nbgrader {a} kit {b}")
        else:
            print(f"scores identical: yes, all {n_cmp} autograded cells")
        return 0
    finally:
        if args.keep:
            print(f"\nscratch kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
