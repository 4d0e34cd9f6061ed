"""The nested-VMX rows of the trap-cost bench: the mini guest hypervisor
(guests/minihv, scenario `minihv`) as L2 runs an L3 that times CPUID round
trips, under each vmcs_shadow mode and prefetch set. Per configuration (config
`hv-nested`, with its vmcs_shadow and prefetch in the row): the L3 CPUID round
trip as L3 times it, L1 exits per reflected exit (floor 2: L3's exit and L2's
VMRESUME), L2's VMREAD/VMWRITE exits per reflected exit, and the fields L1
fetched lazily from vmcs02 per reflected exit (L2 read them, not prefetched:
two VMPTRLDs each).

Config `kvm-nested` (scenario `trapbench-kvm-nested`): Debian's Linux with kvm_intel as
L2 under this hypervisor (nested=on, vmcs_shadow=hw, prefetch=default) runs trapbench as L3
through kvmrun: trapbench's round trips of the tests that exit to KVM, as `nested-<test>`,
and per reflected exit the exits into L1 that nesting causes (L3's exits and KVM's VMX
instructions; not KVM's other exits, which Linux's own boot also has) and KVM's
VMREAD/VMWRITE exits.

Config `kvm-l1-nested` (scenario `minihv-kvm`): the issue's side-by-side peer, Debian's Linux
with kvm_intel (nested=1) directly on L0 as L1, running minihv as its guest (L2) through
kvmrun, minihv running the same L3: L3's CPUID round trip as L3 times it, next to
hv-nested's, and the ratio (the target: hv-nested >= 5x cheaper). Its vmcs_shadow is KVM's
enable_shadow_vmcs, its prefetch "kvm" (KVM copies vmcs02's exit state into vmcs12 at every
reflected exit). Where KVM offers its guests no VMX (kvm_intel nested=N, or an L0 whose VMX
KVM cannot nest on) the row is skipped with the reason. Parsing is pure; the unit test uses
it."""

import serial_log

SCENARIO = "minihv"
KVM_SCENARIO = "trapbench-kvm-nested"
KVM_L1_SCENARIO = "minihv-kvm"
# trapbench's tests whose round trips leave L3 under KVM (the rest never exit).
KVM_TESTS = ("cpuid", "vmcall", "pio-in-emulated", "pio-out-emulated", "mmio-read")
# Basic exit reasons of L2's VMX instructions (SDM Vol. 3C Appendix C): VMCLEAR to VMXON,
# INVEPT, INVVPID; VMREAD (23) and VMWRITE (25) among them.
VMX_INSN_REASONS = (19, 20, 21, 22, 23, 24, 25, 26, 27, 50, 53)
# (vmcs_shadow, prefetch) measured, in table order.
SETTINGS = (("sw", "none"), ("sw", "default"), ("sw", "all"), ("hw", "none"), ("hw", "default"))
TARGET_L1_EXITS_HW = 2.0
# A reflected exit's fraction above the floor that still counts as 2 (the run's last HLT,
# and the VMLAUNCH that starts it, are one-off exits over 101 reflected ones).
TARGET_SLACK = 0.05
# L3 CPUID under hv-nested at least this many times cheaper than under KVM as L1.
TARGET_KVM_L1_RATIO = 5
# hv-nested's setting compared with KVM as L1 (whose enable_shadow_vmcs is on where L0
# offers VMCS shadowing): both with hardware VMCS shadowing.
KVM_L1_COMPARED = ("hw", "default")


def _round_trips(log, base):
    """A nested-<test> row per '@guest nested-bench' line of minihv (cpuid, vmcall, pio),
    with BASE's keys."""
    return [{"test": f"nested-{f['test']}", **base, "min": int(f["min"]),
             "median": int(f["median"]), "p99": int(f["p99"]), "n": int(f["iters"])}
            for _, _, f in serial_log.mlines(log, kind="nested-bench", src="guest")]


def parse(log, shadow, prefetch):
    """The rows of one minihv run, or [] if its lines are missing: L3's round trips, and
    per reflected exit of the CPUID run L1's exits, L2's VMREAD/VMWRITE exits and the
    lazy fetches (of the whole run)."""
    bench = [m for m in serial_log.mlines(log, kind="nested-bench", src="guest")
             if m[2].get("test") == "cpuid"]
    nested = serial_log.mlines(log, kind="nested", src="hv")
    if not bench or not nested:
        return []
    b, n = bench[0][2], nested[0][2]
    reflected = int(n["reflected"])
    base = {"config": "hv-nested", "vmcs_shadow": shadow, "prefetch": prefetch}
    return _round_trips(log, base) + [
        {"test": "l1-exits-per-reflect", **base,
         "value": int(b["l1_exits_x100_per_reflect"]) / 100},
        {"test": "l2-vmrw-exits-per-reflect", **base,
         "value": int(b["l2_vmrw_exits_x100_per_reflect"]) / 100},
        {"test": "lazy-fetches-per-reflect", **base,
         "value": round(int(n["lazy_fetches"]) / reflected, 2) if reflected else 0},
    ]


def parse_kvm(log):
    """The kvm-nested rows of one trapbench-kvm-nested run, or [] if its lines are
    missing."""
    nested = serial_log.mlines(log, kind="nested", src="hv")
    bench = {f["test"]: f for _, _, f in serial_log.mlines(log, kind="bench", src="guest")}
    if not nested or "cpuid" not in bench:
        return []
    n = nested[0][2]
    exits = {int(f["reason"]): int(f["n"])
             for _, _, f in serial_log.mlines(log, kind="exit-count", src="hv")}
    reflected = int(n["reflected"])
    base = {"config": "kvm-nested", "vmcs_shadow": n["vmcs_shadow"],
            "prefetch": n["prefetch"]}
    rows = [{"test": f"nested-{t}", **base, "min": int(bench[t]["min"]),
             "median": int(bench[t]["median"]), "n": int(bench[t]["n"])}
            for t in KVM_TESTS if t in bench and "skipped" not in bench[t]]
    if reflected:
        vmx = sum(exits.get(r, 0) for r in VMX_INSN_REASONS)
        rows += [
            {"test": "l1-exits-per-reflect", **base,
             "value": round((int(n["l3_exits"]) + vmx) / reflected, 2)},
            {"test": "l2-vmrw-exits-per-reflect", **base,
             "value": round((exits.get(23, 0) + exits.get(25, 0)) / reflected, 2)},
            {"test": "lazy-fetches-per-reflect", **base,
             "value": round(int(n["lazy_fetches"]) / reflected, 2)},
        ]
    return rows


def parse_kvm_l1(log):
    """The kvm-l1-nested rows of one minihv-kvm run: L3's round trips, KVM's exits per
    reflected exit of the CPUID run (where kvmrun could read KVM's count) and L1's VMX
    deviations (minihv's checks of the VMfail and entry-failure outcomes that KVM did not
    give as the SDM says); a skipped nested-cpuid row when KVM offered no VMX; [] if the
    lines are missing."""
    kvm = serial_log.mlines(log, kind="kvm-intel", src="kvm")
    cpu = serial_log.mlines(log, kind="cpu", src="kvm")
    if not kvm:
        return []
    params = kvm[0][2]
    base = {"config": "kvm-l1-nested", "prefetch": "kvm",
            "vmcs_shadow": "hw" if params.get("enable_shadow_vmcs") == "Y" else "sw"}
    if not cpu or cpu[0][2].get("vmx") != "1":
        return [{"test": "nested-cpuid", **base, "skipped":
                 f"KVM offers its guest no VMX (kvm_intel nested={params.get('nested')}, "
                 f"kvmrun: vmx={cpu[0][2].get('vmx') if cpu else 'no line'})"}]
    rows = _round_trips(log, base)
    if not rows:
        return []
    cpuid = [f for _, _, f in serial_log.mlines(log, kind="nested-bench", src="guest")
             if f.get("test") == "cpuid" and "l1_exits_x100_per_reflect" in f]
    if cpuid:  # KVM's own exit count, read through kvmrun around the CPUID run
        rows.append({"test": "l1-exits-per-reflect", **base,
                     "value": int(cpuid[0]["l1_exits_x100_per_reflect"]) / 100})
    if serial_log.mlines(log, kind="l1-conformance", src="guest"):
        failed = [f["name"] for _, _, f in serial_log.mlines(log, kind="check", src="guest")
                  if f.get("result") == "fail"]
        rows.append({"test": "l1-vmx-deviations", **base, "value": len(failed),
                     "checks": failed})
    return rows


def _value(rows, test, shadow, prefetch, config="hv-nested"):
    return next((r.get("value", r.get("median")) for r in rows if r["test"] == test
                 and r["vmcs_shadow"] == shadow and r["prefetch"] == prefetch
                 and r["config"] == config), None)


def targets(rows):
    """The issue's nested targets, as bench.targets() words them."""
    out = []

    def add(target, ok, detail):
        status = "not evaluated" if ok is None else ("met" if ok else "missed")
        out.append({"target": target, "status": status, "detail": detail})

    hw = _value(rows, "l1-exits-per-reflect", "hw", "default")
    add("L1 exits per reflected L3 exit = 2 with vmcs_shadow=hw",
        None if hw is None else hw <= TARGET_L1_EXITS_HW + TARGET_SLACK,
        "no hw row" if hw is None else f"{hw}")
    none, default = (_value(rows, "l2-vmrw-exits-per-reflect", "hw", p) for p in
                     ("none", "default"))
    lazy_none, lazy_default = (_value(rows, "lazy-fetches-per-reflect", "sw", p) for p in
                               ("none", "default"))
    detail = (f"hw: {default} (default) vs {none} (none) L2 VMREAD/VMWRITE exits per reflected "
              f"exit; sw traps every VMREAD, and prefetching saves the lazy fetch instead: "
              f"{lazy_default} (default) vs {lazy_none} (none) per reflected exit")
    add("prefetch=default leaves fewer L2 VMREAD exits than prefetch=none",
        None if none is None or default is None else default < none, detail)
    add(f"L3 CPUID >= {TARGET_KVM_L1_RATIO}x cheaper than under Linux KVM as L1",
        *kvm_l1_verdict(rows))
    return out


def _kvm_l1_cpuid(rows):
    return next((r for r in rows if r["test"] == "nested-cpuid"
                 and r["config"] == "kvm-l1-nested"), None)


def kvm_l1_ratio(rows, test="nested-cpuid"):
    """(KVM-as-L1's L3 TEST / hv-nested's under KVM_L1_COMPARED, the two medians), or
    None where either is missing or skipped."""
    kvm = next((r for r in rows if r["test"] == test and r["config"] == "kvm-l1-nested"),
               None)
    mini = _value(rows, test, *KVM_L1_COMPARED)
    if kvm is None or "median" not in kvm or not mini:
        return None
    return round(kvm["median"] / mini, 2), kvm["median"], mini


def kvm_l1_verdict(rows):
    """(met?, detail) of the 5x target; met? is None when it was not evaluated."""
    kvm = _kvm_l1_cpuid(rows)
    if kvm is not None and "skipped" in kvm:
        return None, f"kvm-l1-nested skipped: {kvm['skipped']}"
    got = kvm_l1_ratio(rows)
    if got is None:
        return None, "no kvm-l1-nested or hv-nested (hw/default) L3 CPUID result"
    ratio, k, mini = got
    sw = _value(rows, "nested-cpuid", "sw", "default")
    detail = (f"L3 CPUID: Linux KVM as L1 {k} / hv-nested {mini} (vmcs_shadow=hw) = {ratio}x"
              + (f"; vmcs_shadow=sw: {sw} ({round(k / sw, 2)}x)" if sw else ""))
    return ratio >= TARGET_KVM_L1_RATIO, detail


def measure(run):
    """Boots minihv under every setting with RUN(scenario, guest_args, hv_args);
    returns (rows, targets, failed labels)."""
    rows, failed = [], []
    for shadow, prefetch in SETTINGS:
        out = run(SCENARIO, "iters=100", f"vmcs_shadow={shadow} prefetch={prefetch}")
        got = parse(out.log, shadow, prefetch)
        if out.status != 0 or not got:
            failed.append(f"{shadow}/{prefetch}")
        rows += got
    out = run(KVM_SCENARIO, "iters=100", "vmcs_shadow=hw prefetch=default")
    got = parse_kvm(out.log)
    if out.status != 0 or not got:
        failed.append("kvm-nested")
    rows += got
    out = run(KVM_L1_SCENARIO, "iters=100", "")
    got = parse_kvm_l1(out.log)
    if not got or (out.status != 0 and "skipped" not in got[0]):
        failed.append("kvm-l1-nested")
    rows += got
    for r in rows:
        ratio = kvm_l1_ratio(rows, r["test"]) if r["config"] == "kvm-l1-nested" else None
        if ratio:
            r["ratio_to_hv_nested"] = ratio[0]
    return rows, targets(rows), failed


def summary(rows):
    """The table bench prints: one line per setting."""
    lines = ["nested (minihv as L2, L3 CPUID; VMCALL and PIO in trapcost.json):",
             "  vmcs_shadow prefetch  cpuid  l1_exits/refl  l2_vmrw_exits/refl  lazy/refl"]
    for shadow, prefetch in SETTINGS:
        vals = [_value(rows, t, shadow, prefetch) for t in
                ("nested-cpuid", "l1-exits-per-reflect", "l2-vmrw-exits-per-reflect",
                 "lazy-fetches-per-reflect")]
        if vals[0] is not None:
            lines.append(f"  {shadow:<11} {prefetch:<9} {vals[0]:>6} {vals[1]:>14} "
                         f"{vals[2]:>19} {vals[3]:>10}")
    kvm = [r for r in rows if r["config"] == "kvm-nested"]
    if kvm:
        lines.append("kvm-nested (Linux+kvm_intel as L2, trapbench as L3; vmcs_shadow=hw):")
        lines += [f"  {r['test']:<28} {r.get('median', r.get('value')):>8}" for r in kvm]
    kvm_l1 = [r for r in rows if r["config"] == "kvm-l1-nested"]
    if kvm_l1:
        lines.append("kvm-l1-nested (Linux+kvm_intel as L1, minihv as L2, L3 round trips; KVM's "
                     f"vmcs_shadow={kvm_l1[0]['vmcs_shadow']}):")
    for r in kvm_l1:
        if "skipped" in r:
            lines.append(f"  {r['test']:<28} skipped: {r['skipped']}")
        elif "checks" in r:
            lines.append(f"  {r['test']:<28} {r['value']:>8} {' '.join(r['checks'])}")
        else:
            ratio = r.get("ratio_to_hv_nested")
            lines.append(f"  {r['test']:<28} {r.get('median', r.get('value')):>8}"
                         + (f" ({ratio}x hv-nested's, vmcs_shadow=hw)" if ratio else ""))
    return "\n".join(lines)
