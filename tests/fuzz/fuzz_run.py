#!/usr/bin/env python3
"""Runs one libFuzzer target over its seed corpus and judges it: ctest's
fuzz.<name> tests (a fixed number of inputs from a fixed seed, so a run
repeats) and `scripts/hv fuzz` (a time budget) both come here.

New inputs the fuzzer finds go to a scratch corpus under --work, never into
the source tree; the seed corpus (with every regression input) is replayed
first. Exit status: 0 no finding, 1 a finding (the crashing input is kept
and its path printed), 77 skipped (--skip REASON)."""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

SKIP = 77
CI_RUNS = 200000       # inputs per ctest run: 1-10 s per target
CI_TIME_CAP = 20       # seconds: the backstop when the machine is busy or a target slow


@dataclass
class Result:
    name: str
    execs: int
    seconds: float
    corpus: int          # inputs in the scratch corpus at the end
    finding: str         # "" when none, else the sanitizer's or libFuzzer's summary
    artifact: str        # the crashing input, when there is a finding
    log: str

    @property
    def rate(self):
        return self.execs / self.seconds if self.seconds else 0.0


def stat(log, key):
    m = re.search(rf"stat::{key}:\s*(\d+)", log)
    return int(m.group(1)) if m else 0


def run(name, binary, corpus, work, runs=None, seconds=None, seed=1):
    """Fuzzes NAME for RUNS inputs or SECONDS (whichever is given; RUNS also gets
    CI_TIME_CAP) from SEED; returns a Result."""
    scratch = os.path.join(work, name)
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(os.path.join(scratch, "corpus"))
    cmd = [binary, f"-seed={seed}", "-print_final_stats=1", "-timeout=10",
           "-rss_limit_mb=2048", f"-artifact_prefix={scratch}/",
           f"-max_total_time={seconds if seconds else CI_TIME_CAP}"]
    if runs:
        cmd.append(f"-runs={runs}")
    cmd += [os.path.join(scratch, "corpus"), corpus]
    env = dict(os.environ, ASAN_OPTIONS="abort_on_error=0:detect_leaks=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       errors="replace", env=env)
    secs = time.monotonic() - start
    log = p.stdout
    artifacts = sorted(f for f in os.listdir(scratch) if re.match(r"(crash|leak|timeout|oom)-", f))
    finding = ""
    if p.returncode != 0 or artifacts:
        m = re.search(r"^SUMMARY: .*$|^==\d+== ERROR: .*$|^\S+: runtime error: .*$", log, re.M)
        finding = m.group(0) if m else f"exit status {p.returncode}"
    execs = stat(log, "number_of_executed_units")
    return Result(name, execs, secs,
                  len(os.listdir(os.path.join(scratch, "corpus"))), finding,
                  os.path.join(scratch, artifacts[0]) if artifacts else "", log)


def report(r, binary, corpus):
    """One line for a clean run; for a finding, the log tail and how to reproduce."""
    if not r.finding:
        return (f"fuzz {r.name}: {r.execs} executions in {r.seconds:.0f} s "
                f"({r.rate:,.0f}/s), {r.corpus} new corpus inputs, no finding")
    tail = "\n".join(r.log.splitlines()[-40:])
    return (f"{tail}\nfuzz {r.name}: FINDING: {r.finding}\n"
            f"  input: {r.artifact or '(none saved)'}\n"
            f"  reproduce: {binary} {r.artifact}\n"
            f"  once fixed, keep the input as a regression case: cp {r.artifact} {corpus}/")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("name")
    ap.add_argument("--skip", metavar="REASON", help="report SKIP with REASON and exit 77")
    ap.add_argument("--bin")
    ap.add_argument("--corpus")
    ap.add_argument("--work")
    ap.add_argument("--runs", type=int, default=CI_RUNS)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.skip:
        print(f"SKIP fuzz.{args.name}: {args.skip}")
        return SKIP
    r = run(args.name, args.bin, args.corpus, args.work, runs=args.runs, seed=args.seed)
    print(report(r, args.bin, args.corpus))
    if not r.finding and r.execs < min(args.runs, 1000):
        print(f"fuzz {args.name}: only {r.execs} executions: the target did not run")
        return 1
    return 1 if r.finding else 0


if __name__ == "__main__":
    sys.exit(main())
