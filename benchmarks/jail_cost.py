"""What the jail costs per child: spawn + jail + ready, and one small call, with each layer on and off.

    python benchmarks/jail_cost.py [--n 30]

Prints (does not assert: the machine may be shared) the median and quartiles over N children,
for namespaces on/off x Landlock on/off, and the cost of a syscall-heavy loop under the seccomp
allowlist against no filter. Run it on two checkouts (PYTHONPATH) to compare before and after.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def _quartiles(xs):
    q = statistics.quantiles(xs, n=4)
    return f"median {statistics.median(xs) * 1000:6.1f} ms  (quartiles {q[0] * 1000:.1f}-{q[2] * 1000:.1f})"


def children(n, **limits):
    import torch
    from autograder.sandbox import protocol
    from autograder.sandbox.runner import Engine, Limits
    try:
        eng = Engine(Limits(call_timeout=10, notebook_timeout=60, **limits), announce=False)
    except TypeError:                              # an older checkout without some option
        return None
    spawn, call = [], []
    try:
        eng.spawn().kill()                         # the zygote's start is not the child's cost
        for _ in range(n):
            t0 = time.perf_counter()
            child = eng.spawn()
            t1 = time.perf_counter()
            child.request({"op": "exec", "code": "def f(x):\n    return x * 2\n", "filename": "<answer>"})
            header, buffers = protocol.pack({"op": "call", "name": "f"}, args=(torch.ones(3),), kwargs={})
            reply, _ = child.request(header, buffers)
            assert reply.get("ok"), reply
            child.kill()
            call.append(time.perf_counter() - t1)
            spawn.append(t1 - t0)
        return spawn, call, eng.confinement if hasattr(eng, "confinement") else None
    finally:
        eng.close()


SYSCALLS = r'''
import ctypes, os, sys, time, importlib.util
here = sys.argv[1]
filt = sys.argv[2] == "on"
if filt:
    spec = importlib.util.spec_from_file_location("sc", here + "/autograder/sandbox/seccomp.py")
    sc = importlib.util.module_from_spec(spec); spec.loader.exec_module(sc)
    ctypes.CDLL(None).prctl(38, 1, 0, 0, 0); sc.install_seccomp()
t0 = time.perf_counter()
for _ in range(200000):
    os.getppid()                                   # near the end of the allowlist's chain
print((time.perf_counter() - t0) / 200000 * 1e9)
'''


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=30)
    n = ap.parse_args().n
    import autograder
    here = os.path.dirname(os.path.dirname(os.path.abspath(autograder.__file__)))
    print(f"checkout: {here}")
    for ns in (True, False):
        for ll in (True, False):
            got = children(n, namespaces=ns, landlock=ll) if not ll else children(n, namespaces=ns)
            if got is None:
                continue
            spawn, call, conf = got
            print(f"namespaces={ns!s:5} landlock={ll!s:5}  spawn+ready {_quartiles(spawn)}   "
                  f"session+call {_quartiles(call)}   {conf}")
    for filt in ("off", "on"):
        ns = [float(subprocess.run([sys.executable, "-I", "-c", SYSCALLS, here, filt], capture_output=True,
                                   text=True, check=True).stdout) for _ in range(3)]
        print(f"seccomp {filt:3}: {min(ns):.0f} ns per os.getppid() (best of 3)")


if __name__ == "__main__":
    main()
