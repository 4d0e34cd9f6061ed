"""The paging benchmark (issue 9): the ptchurn guest under paging=nested,
shadow and hybrid, one row per mode and workload into paging.json beside
trapcost.json: ticks (median per operation), exits per operation, page-table
write traps, the shadow-table cache's hit rate and the model's walk
references per TLB miss: walkmodel.py replaying the trace the same guest
recorded under paging=shadow (scenario ptchurn-trace: paging_trace=on), the
hybrid row as VMX allows it (hybrid-sw, a whole space switched) with agile
paging's per-region walk beside it (walk_refs_agile). The ctxsw and tlbmiss
rows count their own workload's events (those between the guest's line
before its bench line and that line), replayed within the whole run so that
a space's mode carries over as it did in the measured runs; the churn row
(ptchurn) counts the whole run. Without a trace, hybrid by the share of CR3
loads its spaces ran nested. Parsing and formatting are
pure (test_paging_tools.py)."""

import bench
import bootcost
import serial_log
import walkmodel

SCENARIO_OF = {"nested": "ptchurn", "shadow": "ptchurn-shadow", "hybrid": "ptchurn-hybrid"}
WORKLOAD_OF = {"ptchurn-ctxsw": "ctxsw", "ptchurn-remap": "ptchurn",
               "ptchurn-tlbmiss": "tlbmiss"}
MODES = ("nested", "shadow", "hybrid")
TRACE_SCENARIO = "ptchurn-trace"
MODEL_OF = {"nested": "nested", "shadow": "shadow", "hybrid": "hybrid-sw"}
WHOLE = "whole"  # model()'s key of the whole run's counts
OWN_TRACE = {"ctxsw", "tlbmiss"}  # workloads judged from their own part of the trace
# Per TLB miss by the model; a hybrid space walks as the mode it runs in (hybrid-sw).
WALK_REFS = {"nested": walkmodel.nested_refs(), "shadow": walkmodel.GUEST_LEVELS}
HIT_RATE_TARGET = 90
LINUX_TARGET = 1.5  # Linux's boot under shadow against nested's


def linux_row(mode, log):
    """MODE's linux-boot row: ticks from the kernel's entry to /init's marker (Bochs: exact
    instructions), VM exits in all, page-table-write traps, cache hit rate, model refs."""
    end, start = bootcost.marker_tsc(log), bootcost.entry_tsc(log)
    if end is None or start is None:
        return {"mode": mode, "workload": "linux-boot", "skipped": "no userspace marker"}
    s = shadow_counters(log)
    exits = serial_log.mlines(log, kind="exits", src="hv")
    row = {"mode": mode, "workload": "linux-boot", "ticks": end - start,
           "exits": sum(int(f["total"]) for _, _, f in exits),
           "pt_write_traps": s.get("pt_writes", 0), "walk_refs_model": walk_refs(mode, s)}
    if mode != "nested":
        row["shadow_cache_hit_rate"] = s.get("hit_rate", 0)
    return row


def shadow_counters(log):
    """The '@hv shadow' lines' numeric counters, merged ({} without them)."""
    out = {}
    for _, _, f in serial_log.mlines(log, kind="shadow", src="hv"):
        out.update({k: int(v) for k, v in f.items() if v.isdigit()})
    return out


def model(log):
    """Replaying LOG's recorded trace: {WHOLE or a bench test's name: {walkmodel mode: walk
    references per miss}}, the whole run's and each workload's; None without a trace."""
    lines = walkmodel.from_log(log.splitlines())
    if not lines:
        return None
    workloads = {}
    modes = walkmodel.replay(walkmodel.parse(lines), workloads=workloads)
    out = {test: {m: c.per_miss() for m, c in counts.items()}
           for test, counts in workloads.items()}
    out[WHOLE] = {m: c.per_miss() for m, c in modes.items()}
    return out


def trace_of(model_refs, test, workload):
    """The part of model()'s result that judges WORKLOAD's row (bench test TEST)."""
    if not model_refs:
        return None
    if workload in OWN_TRACE and test in model_refs:
        return model_refs[test]
    return model_refs[WHOLE]


def walk_refs(mode, s, refs=None):
    """Modelled references per TLB miss: from the replayed trace (REFS) if there is one;
    else a hybrid space walks as the mode it runs in."""
    if refs:
        return refs[MODEL_OF[mode]]
    if mode != "hybrid":
        return WALK_REFS[mode]
    share = s.get("nested_loads", 0) / max(s.get("cr3_loads", 0), 1)
    return round(share * WALK_REFS["nested"] + (1 - share) * WALK_REFS["shadow"], 2)


def rows(mode, log, model_refs=None):
    """The rows of one run of MODE (MODEL_REFS: model(trace log))."""
    s = shadow_counters(log)
    out = []
    for r in bench.parse_rows(log, "hv"):
        workload = WORKLOAD_OF.get(r["test"])
        if not workload or "skipped" in r:
            continue
        refs = trace_of(model_refs, r["test"], workload)
        row = {"mode": mode, "workload": workload, "ticks": r["median"],
               "exits": r.get("exits", 0), "walk_refs_model": walk_refs(mode, s, refs),
               "pt_write_traps": s.get("pt_writes", 0) if workload == "ptchurn" else 0}
        if mode != "nested":
            row["shadow_cache_hit_rate"] = s.get("hit_rate", 0)
        if mode == "hybrid" and refs:
            row["walk_refs_agile"] = refs["hybrid-hw"]
        out.append(row)
    return out


def not_measured(mode, why):
    return [{"mode": mode, "workload": w, "skipped": why} for w in WORKLOAD_OF.values()]


def targets(all_rows):
    """The issue's targets that these rows can judge: (text, met or None)."""
    by = {(r["mode"], r["workload"]): r for r in all_rows if "skipped" not in r}
    hit = by.get(("shadow", "ctxsw"), {}).get("shadow_cache_hit_rate")
    hy = by.get(("hybrid", "ptchurn"), {}).get("pt_write_traps")
    sh = by.get(("shadow", "ptchurn"), {}).get("pt_write_traps")
    hw = by.get(("hybrid", "tlbmiss"), {}).get("walk_refs_model")
    sw = by.get(("shadow", "tlbmiss"), {}).get("walk_refs_model")
    agile = by.get(("hybrid", "tlbmiss"), {}).get("walk_refs_agile")
    return [(f"shadow-cache hit rate >= {HIT_RATE_TARGET}% on the context-switch loop: "
             f"{hit if hit is not None else '-'}%",
             None if hit is None else hit >= HIT_RATE_TARGET),
            (f"hybrid PT-write traps <= 10% of shadow's on the churn workload: "
             f"{hy if hy is not None else '-'} vs {sh if sh is not None else '-'}",
             None if hy is None or not sh else hy <= sh / 10),
            (f"hybrid walk refs within 10% of shadow's on the TLB-miss workload (model, its own "
             f"part of the trace): "
             f"{hw if hw is not None else '-'} vs {sw if sw is not None else '-'}"
             f"{f' (agile per-region walk: {agile})' if agile is not None else ''}",
             None if hw is None or not sw else hw <= sw * 1.1),
            linux_target(by)]


def linux_target(by):
    """The Linux boot target from the linux-boot rows: (text, met or None)."""
    sh = by.get(("shadow", "linux-boot"), {}).get("ticks")
    ne = by.get(("nested", "linux-boot"), {}).get("ticks")
    if not sh or not ne:
        return (f"Linux under shadow <= {LINUX_TARGET}x nested's boot: not measured", None)
    return (f"Linux under shadow <= {LINUX_TARGET}x nested's boot: {sh} vs {ne} ticks "
            f"({sh / ne:.2f}x)", sh <= LINUX_TARGET * ne)


def table(all_rows):
    lines = ["| mode | workload | ticks | exits/op | PT-write traps | cache hit % | "
             "model walk refs/miss |", "|---|---|---|---|---|---|---|"]
    for r in all_rows:
        if "skipped" in r:
            lines.append(f"| {r['mode']} | {r['workload']} | - | - | - | - | "
                         f"{r['skipped']} |")
            continue
        lines.append(f"| {r['mode']} | {r['workload']} | {r['ticks']} | {r['exits']} | "
                     f"{r['pt_write_traps']} | {r.get('shadow_cache_hit_rate', '-')} | "
                     f"{r['walk_refs_model']} |")
    for text, met in targets(all_rows):
        lines.append(f"target: {text}: "
                     f"{'met' if met else 'missed' if met is not None else 'not evaluated'}")
    return "\n".join(lines)
