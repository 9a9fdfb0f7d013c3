"""Fuzzing the readers of uploaded files: the workbook check, the framework loader and the
registry file reader, on seeded mutations of real files (``tests/helpers/fuzz.py``).

Runs 30,000 cases by default (workbook 15,000, registry 7,500, framework 7,500) in worker
processes, one fresh process per batch of cases (so a batch's peak memory is its own),
and prints cases per reader and per mutation kind, the uncaught exceptions, the slowest
case and the 99th percentile of the time per case, and the peak memory of a worker (its
peak resident set, ``ru_maxrss``: the Python objects and the native readers' allocations
alike, the seeds and the imports included). A case's time is the reader's own (building
the mutant and the oracle's checks of its messages are not counted), in CPU time: on a
shared 2-CPU machine other processes can triple the wall time of a case, and the goal is
about the reader, so the wall time is printed beside it but not judged.

Goals (the exit status is 1 when one is missed, unlike the other benchmarks, since these
are correctness goals): at least 20,000 cases; zero uncaught exceptions (a reader either
reads the file or rejects it with its own located message; a worker that dies, an abort
in native code, counts as one); no case over 2 s of CPU; every worker under 256 MB peak
resident memory. The input of every uncaught case is written to
``artifacts/fuzz/`` to be kept as a regression fixture under ``tests/data/fuzz/``.

Cases are deterministic: case ``i`` of a reader is ``fuzz.make_case(reader, i, seed)``.

    .venv/bin/python bench/bench_fuzz.py [--workbook N] [--registry N] [--framework N]
                                         [--workers N] [--batch N] [--seed N]
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT / "tests", ROOT / "src"):  # helpers.fuzz, and ecocity from a checkout
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from helpers import fuzz  # noqa: E402

GOAL_CASES = 20_000
GOAL_MS = 2_000.0  # CPU time of the reader for one case
GOAL_MB = 256.0
HARD_LIMIT_S = 30.0  # a case still running after this is stopped (and fails the time goal)
STALL_S = 120.0  # a worker silent this long is killed (stuck where no signal reaches)
AS_LIMIT = 2 << 30  # address space of a worker: a runaway allocation fails instead of swapping


@dataclass(frozen=True)
class Result:
    target: str
    index: int
    seed_file: str
    kinds: tuple[str, ...]
    status: str
    ms: float
    codes: tuple[str, ...]
    error: str
    rss_mb: float  # the worker's peak resident memory after this case
    cpu_ms: float  # the reader's CPU time (ms is its wall time)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _worker(conn: Connection, preset: dict, target: str, indices: Sequence[int], seed: int) -> None:
    """Run one batch of cases and report each; a fresh process per batch."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > AS_LIMIT:
            resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, hard))
    except (ValueError, OSError):
        pass
    fuzz.use_seeds(preset)
    # Warm up: the first case of a process pays for imports and the framework's parsing.
    for s in fuzz.seeds(target)[:2]:
        fuzz.run_case(fuzz.Case(target, -1, s.name, s.name, (), s.data), HARD_LIMIT_S)
    for i in indices:
        case = fuzz.make_case(target, i, seed)
        out = fuzz.run_case(case, HARD_LIMIT_S)
        conn.send(Result(target, i, case.seed, case.kinds, out.status, out.ms, out.codes, out.error, _rss_mb(),
                         out.cpu_ms))
    conn.send(None)
    conn.close()


@dataclass
class Running:
    proc: mp.process.BaseProcess
    conn: Connection
    target: str
    todo: list[int]  # indices not yet reported
    last: float  # when the worker last reported


def run(plan: dict[str, int], workers: int, batch: int, seed: int) -> tuple[list[Result], float]:
    ctx = mp.get_context("spawn")  # a clean process: its memory is the readers' alone
    preset = {t: fuzz.seeds(t) for t in plan}
    queue: list[tuple[str, list[int]]] = []
    for target, n in plan.items():
        queue += [(target, list(range(i, min(n, i + batch)))) for i in range(0, n, batch)]
    queue.sort(key=lambda b: (b[1][0], b[0]))  # readers interleaved, so both CPUs mix loads
    results: list[Result] = []
    running: list[Running] = []
    t0 = time.perf_counter()
    done_cases, total = 0, sum(plan.values())
    next_report = 0.0

    def start(target: str, indices: list[int]) -> None:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_worker, args=(child, preset, target, indices, seed), daemon=True)
        proc.start()
        child.close()
        running.append(Running(proc, parent, target, list(indices), time.monotonic()))

    def died(r: Running, why: str) -> None:
        """The case in flight killed or hung its worker: an uncaught failure; the rest of
        the batch goes on in a new process."""
        i = r.todo.pop(0)
        case = fuzz.make_case(r.target, i, seed)
        took = (time.monotonic() - r.last) * 1000
        results.append(Result(r.target, i, case.seed, case.kinds, "uncaught", took, (), why, 0.0, took))
        if r.todo:
            queue.insert(0, (r.target, r.todo))

    while queue or running:
        while queue and len(running) < workers:
            start(*queue.pop(0))
        ready = wait([r.conn for r in running], timeout=5.0)
        for r in list(running):
            if r.conn in ready:
                try:
                    msg = r.conn.recv()
                except (EOFError, OSError):
                    r.proc.join(5)
                    running.remove(r)
                    if r.todo:
                        died(r, f"worker process died (exit code {r.proc.exitcode}): an abort or a crash")
                    continue
                if msg is None:
                    r.proc.join(30)
                    running.remove(r)
                    continue
                results.append(msg)
                r.todo.remove(msg.index)
                r.last = time.monotonic()
                done_cases += 1
            elif time.monotonic() - r.last > STALL_S:
                r.proc.kill()
                r.proc.join(5)
                running.remove(r)
                died(r, f"no answer for {STALL_S:.0f} s: worker killed")
        now = time.perf_counter() - t0
        if now >= next_report:
            print(f"   ... {done_cases:,}/{total:,} cases, {now:.0f} s", flush=True)
            next_report = now + 30
    return results, time.perf_counter() - t0


def _p99(ms: list[float]) -> float:
    return statistics.quantiles(ms, n=100, method="inclusive")[98] if len(ms) > 1 else (ms[0] if ms else 0.0)


def _save(results: list[Result], seed: int) -> list[Path]:
    out = ROOT / "artifacts" / "fuzz"
    saved = []
    for r in results:
        if r.status == "uncaught":
            case = fuzz.make_case(r.target, r.index, seed)
            out.mkdir(parents=True, exist_ok=True)
            path = out / f"{r.target}-{r.index}-{case.filename}"
            path.write_bytes(case.data)
            saved.append(path)
    return saved


def _label(r: Result) -> str:
    return f"{r.target}#{r.index} ({r.seed_file}: {'+'.join(r.kinds)})"


def report(results: list[Result], wall: float, plan: dict[str, int], seed: int) -> bool:
    print(f"\n{len(results):,} cases in {wall:.1f} s wall ({len(results) / max(wall, 1e-9):,.0f} per second), "
          f"seed {seed}; times are the reader's own, CPU (wall in brackets: other work on the machine inflates it)")
    print(f"\n{'reader':<10} {'cases':>7} {'accepted':>9} {'rejected':>9} {'uncaught':>9} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7} {'(wall)':>8} {'peak MB':>8}")
    for target in plan:
        rs = [r for r in results if r.target == target]
        if not rs:
            continue
        cpu = [r.cpu_ms for r in rs]
        count = collections.Counter(r.status for r in rs)
        print(f"{target:<10} {len(rs):7,} {count['accepted']:9,} {count['rejected']:9,} {count['uncaught']:9,} "
              f"{statistics.median(cpu):7.1f} {_p99(cpu):7.1f} {max(cpu):7.1f} ({max(r.ms for r in rs):6.0f}) "
              f"{max(r.rss_mb for r in rs):8.1f}")
    print("\nslowest cases (CPU ms, wall ms):")
    for r in sorted(results, key=lambda r: r.cpu_ms)[-5:][::-1]:
        print(f"  {r.cpu_ms:8.1f} {r.ms:8.1f}  {_label(r)} {r.status} {' '.join(r.codes[:2])}")

    print("\nper mutation kind (a stacked case counts once for each of its kinds):")
    kinds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for r in results:
        for k in dict.fromkeys(r.kinds):
            kinds[k][r.status] += 1
            kinds[k]["cases"] += 1
    families = collections.defaultdict(list)
    for k in kinds:
        families[fuzz.family_of(k)].append(k)
    for family, names in families.items():
        cells = [f"{k} {kinds[k]['cases']:,}" + (f" ({kinds[k]['uncaught']} uncaught)" if kinds[k]["uncaught"] else "")
                 for k in sorted(names)]
        print(f"  {family:<6} " + ", ".join(cells))
    codes = collections.Counter(c for r in results for c in r.codes[:1])
    print("\nfirst rejection code: " + ", ".join(f"{c} {n:,}" for c, n in codes.most_common(14)))

    cpu = [r.cpu_ms for r in results]
    uncaught = [r for r in results if r.status == "uncaught"]
    slowest = max(results, key=lambda r: r.cpu_ms)
    slowest_wall = max(results, key=lambda r: r.ms)
    peak = max(results, key=lambda r: r.rss_mb)
    n_ok, time_ok, mem_ok = len(results) >= GOAL_CASES, slowest.cpu_ms < GOAL_MS, peak.rss_mb < GOAL_MB

    def verdict(good: bool, bad: str = "OVER") -> str:
        return "ok" if good else bad

    print()
    print(f"cases          {len(results):>10,}      goal >= {GOAL_CASES:,}: {verdict(n_ok, 'SHORT')}")
    print(f"uncaught       {len(uncaught):>10,}      goal 0: {verdict(not uncaught, 'FAIL')}")
    print(f"slowest case   {slowest.cpu_ms:>10.1f} ms CPU, {slowest.ms:.0f} ms wall ({_label(slowest)})   "
          f"goal < {GOAL_MS:,.0f} ms: {verdict(time_ok)}")
    print(f"slowest wall   {slowest_wall.ms:>10.1f} ms ({_label(slowest_wall)}, {slowest_wall.cpu_ms:.0f} ms CPU)")
    print(f"p99            {_p99(cpu):>10.1f} ms CPU (p50 {statistics.median(cpu):.1f} ms; wall p99 "
          f"{_p99([r.ms for r in results]):.1f} ms)")
    print(f"peak memory    {peak.rss_mb:>10.1f} MB (a worker's peak RSS, after {_label(peak)})   "
          f"goal < {GOAL_MB:.0f} MB: {verdict(mem_ok)}")
    print(f"wall time      {wall:>10.1f} s")
    if uncaught:
        print("\nuncaught exceptions (reproduce with helpers.fuzz.make_case(reader, index)):")
        for r in uncaught[:40]:
            print(f"  {_label(r)}: {r.error}")
        for path in _save(uncaught, seed):
            print(f"  input kept: {path.relative_to(ROOT)}")
    return n_ok and not uncaught and time_ok and mem_ok


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workbook", type=int, default=15_000)
    ap.add_argument("--registry", type=int, default=7_500)
    ap.add_argument("--framework", type=int, default=7_500)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--batch", type=int, default=1_000, help="cases per worker process")
    ap.add_argument("--seed", type=int, default=fuzz.SEED)
    args = ap.parse_args(argv)
    plan = {t: n for t in fuzz.TARGETS if (n := getattr(args, t)) > 0}
    print(f"fuzzing {', '.join(f'{t} {n:,}' for t, n in plan.items())} cases; {args.workers} workers, "
          f"a fresh process per {args.batch:,} cases")
    results, wall = run(plan, args.workers, args.batch, args.seed)
    return 0 if report(results, wall, plan, args.seed) else 1


if __name__ == "__main__":
    sys.exit(main())
