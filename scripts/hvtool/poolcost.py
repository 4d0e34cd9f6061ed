"""The page pool's costs (issue 9): scenario pooltest's bench lines, the ticks
of one guest access that the pool serves from an EPT violation (first touch,
copy-on-write break, swap-in) beside a store to a page already mapped, as
trapcost.json rows of configuration hv, plus the pool's end-of-run counters.
Pure parsing and formatting; tests/integration/test_paging_tools.py tests it."""

import bench
import serial_log

SCENARIO = "pooltest"
TESTS = ("pool-mapped-write", "pool-first-touch", "pool-cow-break", "pool-swap-in")
EPT_VIOLATION = 48  # the exit reason every pool fault comes through


def rows(log):
    """The pool's rows of LOG: bench rows of configuration hv, in TESTS order, with the
    EPT-violation exit's VMREAD+VMWRITE on rows that exited."""
    vmrw = bench.parse_vmrw(log)
    out = []
    for row in bench.parse_rows(log, "hv"):
        if row["test"] not in TESTS:
            continue
        if row.get("exits", 0) > 0 and EPT_VIOLATION in vmrw:
            row = dict(row, vmrw=vmrw[EPT_VIOLATION])
        out.append(row)
    return sorted(out, key=lambda r: TESTS.index(r["test"]))


def counters(log):
    """The hypervisor's '@hv pool' counters as ints ({} if absent)."""
    lines = serial_log.mlines(log, kind="pool", src="hv")
    return {k: int(v) for k, v in lines[-1][2].items()} if lines else {}


def table(log, unit="ticks"):
    """The Markdown table of one pooltest run, and the counters under it."""
    lines = [f"| access | median {unit} | min | p99 | exits each | VMREAD+VMWRITE |",
             "|---|---|---|---|---|---|"]
    for r in rows(log):
        lines.append(f"| {r['test']} | {r['median']} | {r['min']} | {r['p99']} | "
                     f"{r.get('exits', '-')} | {r.get('vmrw', '-')} |")
    c = counters(log)
    if c:
        lines.append("")
        lines.append("pool: " + ", ".join(f"{k} {v}" for k, v in c.items()))
    return "\n".join(lines)
