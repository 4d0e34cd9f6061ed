#!/usr/bin/env python3
"""scripts/hv: build, run, bench and test the hypervisor (setup is handled by
the scripts/hv wrapper before this runs)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bootcost   # noqa: E402
import bench      # noqa: E402
import nestedcost  # noqa: E402
import pagingbench  # noqa: E402
import poolcost   # noqa: E402
import iso        # noqa: E402
import irqbench   # noqa: E402
import l0         # noqa: E402
import runner     # noqa: E402
import scenarios  # noqa: E402
import serial_log  # noqa: E402

ROOT = iso.ROOT
BUILD = os.path.join(ROOT, "build")


def build(quiet=False):
    """Configures (once) and builds everything; returns the build directory."""
    steps = []
    if not os.path.exists(os.path.join(BUILD, "CMakeCache.txt")):
        steps.append(["cmake", "-S", ROOT, "-B", BUILD])
    steps.append(["cmake", "--build", BUILD, "-j", str(os.cpu_count() or 2)])
    for cmd in steps:
        r = subprocess.run(cmd, stdout=subprocess.PIPE if quiet else None,
                           stderr=subprocess.STDOUT if quiet else None, text=True)
        if r.returncode != 0:
            if quiet:
                sys.stdout.write(r.stdout)
            sys.exit(f"build: '{' '.join(cmd)}' failed")
    return BUILD


def cmd_build(args):
    build(quiet=args.quiet)
    print(f"build: done ({os.path.relpath(BUILD)}/hv/hv.elf, guests, ISOs)")


def list_scenarios():
    width = max(len(n) for n in scenarios.SCENARIOS)
    for s in scenarios.SCENARIOS.values():
        mark = " (default)" if s.name == scenarios.DEFAULT else ""
        expect = "" if s.expect == "pass" else f" [expected to fail: {s.expect_reason}]"
        print(f"  {s.name:<{width}}  {s.summary}{mark}{expect}")


def run_scenario(name, l0_req="auto", smp=None, mem=None, hv_args="", timeout=None,
                 log=None, echo=True, build_dir=None, console="off", guest_args="",
                 scenario=None):
    """Boots scenario NAME (or the Scenario SCENARIO) from BUILD_DIR (default: build
    first); returns a runner.Outcome. GUEST_ARGS replace same-named options of the test
    guest's command line."""
    s = scenarios.with_guest_args(scenario or scenarios.get(name), guest_args)
    build_dir = os.path.abspath(build_dir or build(quiet=True))
    kind = l0.choose(l0_req)
    kernel_args = scenarios.merge_args(s.kernel_args, hv_args)
    if kind == "tcg":  # QEMU's own loader: no ISO, and no VMX for a hypervisor
        if s.verdict_source != "l0":
            raise ValueError("--l0 tcg boots a kernel directly (--kernel ... --no-hv): "
                             "TCG offers no VMX for the hypervisor")
        if console == "on":
            raise ValueError("--l0 tcg has no console: its serial port is the log")
        image = l0.KernelBoot(os.path.join(build_dir, s.kernel), kernel_args,
                              tuple((os.path.join(build_dir, p), a) for p, a in s.modules))
    else:
        image = iso.make_iso(build_dir, s.name, s.kernel, kernel_args, s.modules)
    run_dir = os.path.join(build_dir, "run")
    os.makedirs(run_dir, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix=f"{s.name}-", dir=run_dir)
    smp, mem = smp or s.smp, mem or s.mem_mb
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    interactive = kind != "tcg" and (console == "on" or (console == "auto" and s.interactive
                                                          and tty))
    if echo:
        guest = (f", guest args \"{s.modules[0][1]}\"" if s.kernel == scenarios.HV and s.modules
                 and s.modules[0][1] else "")
        print(f"run: {s.name} on {kind} (smp={smp}, mem={mem} MiB, args \"{kernel_args}\"{guest}), "
              f"logs in {os.path.relpath(workdir)}", flush=True)
    out = runner.run(kind, image, workdir, mem, smp, timeout or s.timeout, echo=echo,
                     interactive=interactive,
                     verdict_source=s.verdict_source or
                     ("hv" if s.kernel == scenarios.HV else "guest"))
    if log:
        with open(log, "w") as f:
            f.write(out.log + "\n")
    return out


def kernel_run(args):
    """The Scenario of `run --kernel` (None without it); ValueError on a bad mix."""
    if not args.kernel:
        if args.module or args.append or args.no_hv:
            raise ValueError("--module, --append and --no-hv go with --kernel")
        return None
    if args.name:
        raise ValueError(f"give a scenario ('{args.name}') or --kernel, not both")
    if args.no_hv and args.hv:
        raise ValueError("--no-hv runs no hypervisor: --hv has no one to go to")
    return scenarios.kernel_scenario(args.kernel, args.module, args.append, args.no_hv)


def cmd_run(args):
    if args.list:
        list_scenarios()
        return 0
    name = args.name or scenarios.DEFAULT
    try:
        scenario = kernel_run(args)
        out = run_scenario(name, args.l0, args.smp, args.mem, args.hv, args.timeout, args.log,
                           console=args.console, guest_args=args.guest, scenario=scenario)
        unit = bench.UNIT_OF_L0.get(l0.choose(args.l0), "ticks")
    except (KeyError, ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"run: error: {e.args[0] if e.args else e}", file=sys.stderr)
        return runner.EXIT_ERROR
    print(f"run: {'PASS' if out.status == 0 else 'FAIL'}: {out.summary}", flush=True)
    if name == poolcost.SCENARIO:
        print(f"\npage pool ({name}):\n\n{poolcost.table(out.log, unit)}")
    elif not scenario and serial_log.mlines(out.log, kind="bench", src="guest"):
        print(f"\ntrap cost ({name}):\n\n{bench.run_table(out.log, scenarios.get(name), unit)}")
    if args.qemu_status and out.verdict.code is not None:
        return out.verdict.qemu_status
    return out.status


def cmd_bench(args):
    try:
        build_dir = build(quiet=True)
        kind = l0.choose(args.l0)
    except ValueError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return runner.EXIT_ERROR

    def run(name, guest_args, hv_args=""):
        return run_scenario(name, kind, echo=False, build_dir=build_dir, guest_args=guest_args,
                            hv_args=hv_args)

    try:
        status, text = bench.run_bench(run, os.path.abspath(args.out), kind, args.iters,
                                       scenarios.SCENARIOS, echo=lambda m: print(m, flush=True))
        status |= irq_cost(build_dir, kind, os.path.abspath(args.out))
        if args.boot_cost:
            status |= boot_cost(run, os.path.abspath(args.out))
        if args.nested:
            status |= nested_cost(kind, build_dir, os.path.abspath(args.out))
        if args.pool_cost:
            status |= pool_cost(run, os.path.abspath(args.out))
        if args.paging_cost:
            status |= paging_cost(run, os.path.abspath(args.out))
    except (KeyError, ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"bench: error: {e.args[0] if e.args else e}", file=sys.stderr)
        return runner.EXIT_ERROR
    print(f"\n{text}")
    return status


def add_to_trapcost(out_dir, rows, **keys):
    """Appends ROWS to OUT_DIR's trapcost.json and sets its top-level KEYS."""
    path = os.path.join(out_dir, "trapcost.json")
    with open(path) as f:
        doc = json.load(f)
    doc["rows"] += rows
    doc.update(keys)
    bench.write_json(path, doc)


def irq_cost(build_dir, kind, out_dir):
    """Boots the irqtest guest under a mixed interrupt policy, adds the irq-* rows and
    targets to trapcost.json, prints them; returns 1 if the run failed."""
    outs = []
    for hv_args in (irqbench.HV_ARGS, irqbench.HV_ARGS_VIRTUAL):
        print(f"bench: interrupt cost: booting {irqbench.SCENARIO} ({hv_args}) ...", flush=True)
        outs.append(run_scenario(irqbench.SCENARIO, kind, echo=False, build_dir=build_dir,
                                 hv_args=hv_args))
    rows = irqbench.measure(outs[0].log) + irqbench.measure(outs[1].log, "intercept-virtual")
    goals = irqbench.targets(rows, outs[0].log)
    add_to_trapcost(out_dir, rows, irq_targets=goals)
    print("\n".join(irqbench.summary_lines(rows, goals)))
    return 0 if all(o.status == 0 for o in outs) else 1


def boot_cost(run, out_dir):
    """Boots Linux under the hypervisor and natively, adds the boot-cost rows
    to trapcost.json, prints the ratio; returns 1 if a boot failed."""
    print(f"bench: boot cost: booting {bootcost.HV_SCENARIO} and {bootcost.NATIVE_SCENARIO} ...",
          flush=True)
    hv, native = run(bootcost.HV_SCENARIO, ""), run(bootcost.NATIVE_SCENARIO, "")
    rows, summary = bootcost.measure(hv.log, native.log)
    add_to_trapcost(out_dir, rows, boot_cost=summary)
    print(bootcost.summary_line(summary))
    return 0 if hv.status == 0 and native.status == 0 else 1


def nested_cost(kind, build_dir, out_dir):
    """Boots minihv under each vmcs_shadow/prefetch setting, adds the hv-nested rows
    and targets to trapcost.json, prints them; returns 1 if a boot failed."""
    def run(name, guest_args, hv_args):
        print(f"bench: nested: booting {name} ({hv_args}) ...", flush=True)
        return run_scenario(name, kind, echo=False, build_dir=build_dir, guest_args=guest_args,
                            hv_args=hv_args)

    rows, goals, failed = nestedcost.measure(run)
    path = os.path.join(out_dir, "trapcost.json")
    with open(path) as f:
        doc = json.load(f)
    doc["rows"] += rows
    doc["targets"] += goals
    bench.write_json(path, doc)
    text = f"{nestedcost.summary(rows)}\n{bench.format_targets(goals)}"
    with open(os.path.join(out_dir, "trapcost.md"), "a") as f:
        f.write(f"\n## Nested VMX\n\n```\n{text}\n```\n")
    print(text)
    if failed:
        print(f"bench: nested: failed: {', '.join(failed)}")
    return 1 if failed else 0


def paging_cost(run, out_dir):
    """Boots ptchurn under each paging mode, writes paging.json, prints its table;
    returns 1 if a run failed."""
    rows, status = [], 0
    print(f"bench: paging: booting {pagingbench.TRACE_SCENARIO} (the trace) ...", flush=True)
    trace = run(pagingbench.TRACE_SCENARIO, "")
    status |= 0 if trace.status == 0 else 1
    refs = pagingbench.model(trace.log)
    for mode in pagingbench.MODES:
        if mode not in pagingbench.SCENARIO_OF:
            rows += pagingbench.not_measured(mode, "not implemented yet")
            continue
        print(f"bench: paging: booting {pagingbench.SCENARIO_OF[mode]} ...", flush=True)
        out = run(pagingbench.SCENARIO_OF[mode], "")
        status |= 0 if out.status == 0 else 1
        rows += pagingbench.rows(mode, out.log, refs)
    for mode in pagingbench.MODES:
        print(f"bench: paging: booting linux under paging={mode} ...", flush=True)
        out = run("linux", "", f"paging={mode}")
        status |= 0 if out.status == 0 else 1
        rows.append(pagingbench.linux_row(mode, out.log))
    bench.write_json(os.path.join(out_dir, "paging.json"),
                     {"unit": "ticks", "rows": rows,
                      "targets": [{"target": t, "met": m}
                                  for t, m in pagingbench.targets(rows)]})
    print(f"\npaging:\n\n{pagingbench.table(rows)}")
    return status


def pool_cost(run, out_dir):
    """Boots pooltest, adds the page pool's rows to trapcost.json, prints its table;
    returns 1 if the run failed."""
    print(f"bench: pool cost: booting {poolcost.SCENARIO} ...", flush=True)
    out = run(poolcost.SCENARIO, "")
    path = os.path.join(out_dir, "trapcost.json")
    with open(path) as f:
        doc = json.load(f)
    doc["rows"] += poolcost.rows(out.log)
    doc["pool_counters"] = poolcost.counters(out.log)
    bench.write_json(path, doc)
    print(f"\npage pool:\n\n{poolcost.table(out.log)}")
    return 0 if out.status == 0 else 1


FUZZ_TARGET_EXECS = 10_000_000  # issue #10: executions per host target without a finding
FUZZ_TARGET_GUEST_OPS = 1_000_000  # issue #10: fuzzed guest operations without a panic


def cmd_fuzz(args):
    """The host fuzzers (each for --time seconds) and the fuzzing guest under the
    hypervisor (--guest-iters operations); prints executions, operations and
    outcomes against the issue's targets; exits 1 on a finding or a failed run."""
    build_dir = build(quiet=True)
    status = 0
    if args.host:
        status |= fuzz_host(args, build_dir)
    if args.guest_iters:
        status |= fuzz_guest(args, build_dir)
    return status


# What the kinds of the fuzzing guest that need them add to the hypervisor's command line,
# and about how many operations a second each runs under Bochs (for the time limit).
FUZZ_KIND_HV_ARGS = {"vmcs": ("nested=on", 100),
                     "mmio": ("mmio_test=on emul_unsupported=ud guest_fault=inject", 20)}


def fuzz_guest(args, build_dir):
    """Boots scenario fuzz with GUEST_ITERS operations from GUEST_SEED of the kinds
    GUEST_OPS (default: those that need no boot option); 1 if it failed."""
    kinds = [k for k in args.guest_ops.split(",") if k] if args.guest_ops else []
    hv = " ".join(FUZZ_KIND_HV_ARGS[k][0] for k in kinds if k in FUZZ_KIND_HV_ARGS)
    rate = min([FUZZ_KIND_HV_ARGS[k][1] for k in kinds if k in FUZZ_KIND_HV_ARGS] + [5000])
    hv = f"{hv} log=warn".strip() if hv else ""
    guest = f"seed={args.guest_seed} iters={args.guest_iters}"
    if kinds:
        guest += f" ops={','.join(kinds)}"
    print(f"fuzz: guest: scenario fuzz, {guest}{f' (--hv {hv})' if hv else ''} ...", flush=True)
    out = run_scenario("fuzz", build_dir=build_dir, echo=False, guest_args=guest, hv_args=hv,
                       timeout=120 + args.guest_iters // rate)
    ops = serial_log.mlines(out.log, kind="fuzz-op", src="guest")
    total = serial_log.mlines(out.log, kind="fuzz", src="guest")
    panics = len(serial_log.mlines(out.log, kind="panic", src="hv"))
    for _, _, f in ops:
        print(f"  {f['name']:<4} n={f['n']:>9} ok={f['ok']:>9} fault={f['fault']:>9} "
              f"error={f['error']:>9}")
    for line in out.log.splitlines():
        if line.startswith(("@guest fuzz-vmcs", "@guest fuzz-mmio")):
            print(f"  {line}")
    done = int(total[0][2]["done"]) if total else 0
    if total:
        ticks = int(total[0][2]["ticks"])
        print(f"  {done:,} operations from seed {args.guest_seed}, {ticks:,} ticks "
              f"({ticks // max(done, 1)} per operation), hypervisor panics: {panics}")
    met = done >= FUZZ_TARGET_GUEST_OPS and not panics and out.status == 0
    print(f"fuzz: guest: {'PASS' if out.status == 0 else 'FAIL'}: {out.summary} (target >= "
          f"{FUZZ_TARGET_GUEST_OPS:,} operations, 0 panics: {'met' if met else 'missed'}); "
          f"reproduce: scripts/hv run fuzz --guest \"{guest}\"" + (f" --hv \"{hv}\"" if hv else ""))
    return 0 if out.status == 0 else 1


def fuzz_host(args, build_dir):
    """Runs every host fuzz target (or those named) for --time seconds each and
    prints the executions per target; 1 on a finding."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "fuzz"))
    import fuzz_run  # noqa: E402
    fuzz_dir = os.path.join(build_dir, "tests", "fuzz")
    with open(os.path.join(fuzz_dir, "targets.txt")) as f:
        targets, skip = (f.read().split("\n") + [""])[:2]
    targets = targets.split(";") if targets else []
    if skip:
        print(f"fuzz: SKIP: {skip}")
        return 0
    unknown = set(args.targets) - set(targets)
    if unknown:
        print(f"fuzz: error: unknown target(s) {sorted(unknown)} (known: {', '.join(targets)})",
              file=sys.stderr)
        return runner.EXIT_ERROR
    status = 0
    rows = []
    for name in args.targets or targets:
        binary = os.path.join(fuzz_dir, f"fuzz_{name}")
        corpus = os.path.join(ROOT, "tests", "fuzz", "corpus", name)
        print(f"fuzz: {name} for {args.time} s"
              f"{f' or {args.runs:,} inputs' if args.runs else ''} ...", flush=True)
        r = fuzz_run.run(name, binary, corpus, os.path.join(build_dir, "fuzz"),
                         runs=args.runs, seconds=args.time, seed=args.seed)
        print(fuzz_run.report(r, binary, corpus), flush=True)
        status |= 1 if r.finding else 0
        rows.append(r)
    print(f"\n{'target':<12} {'executions':>14} {'exec/s':>10}  result")
    for r in rows:
        met = "met" if r.execs >= FUZZ_TARGET_EXECS and not r.finding else "missed"
        print(f"{r.name:<12} {r.execs:>14,} {r.rate:>10,.0f}  "
              f"{'FINDING' if r.finding else 'no finding'} (target >= "
              f"{FUZZ_TARGET_EXECS:,} without a finding: {met})")
    return status


def cmd_soak(args):
    """Linux as L2 runs /init's stress loop (hvinit=soak) for --seconds of its own time;
    prints the loop's counts and the hypervisor's exit counters; 1 if the run failed."""
    guest = f"hvinit=soak hvsoak={args.seconds}"
    hv_args = f"watchdog={args.watchdog}" if args.watchdog else ""
    print(f"soak: linux, {guest}, {args.smp} CPU(s), hypervisor \"{hv_args}\" ...", flush=True)
    try:
        out = run_scenario("linux", smp=args.smp, hv_args=hv_args, echo=False,
                           guest_args=guest, timeout=600 + 10 * args.seconds, console="off")
    except (KeyError, ValueError, FileNotFoundError, RuntimeError) as e:
        print(f"soak: error: {e.args[0] if e.args else e}", file=sys.stderr)
        return runner.EXIT_ERROR
    for _, _, f in serial_log.mlines(out.log, kind="soak-worker", src="linux"):
        print(f"  worker {f['name']}: {f['rounds']} rounds, {f['errors']} errors")
    for _, _, f in serial_log.mlines(out.log, kind="soak", src="linux"):
        print(f"  {f['rounds']} rounds in {f['seconds']} s of Linux's time, {f['errors']} errors, "
              f"{f['forks']} processes forked since boot")
    for _, _, f in serial_log.mlines(out.log, kind="exits", src="hv"):
        print(f"  vCPU {f['vcpu']}: {int(f['total']):,} VM exits")
    for _, _, f in serial_log.mlines(out.log, kind="exit-count", src="hv"):
        print(f"    vcpu {f['vcpu']} {f['name']:<32} {int(f['n']):>12,}  "
              f"({f['vmrw_avg']} VMREAD+VMWRITE each)")
    panics = serial_log.mlines(out.log, kind="panic", src="hv")
    print(f"soak: {'PASS' if out.status == 0 else 'FAIL'}: {out.summary}; hypervisor panics: "
          f"{len(panics)} (serial log: build/run/linux-*/serial.txt, newest)")
    return 0 if out.status == 0 else 1


def cmd_test(args):
    build_dir = build(quiet=True)
    cmd = ["ctest", "--test-dir", build_dir, "--output-on-failure", "-j", str(args.jobs)]
    if args.regex:
        cmd += ["-R", args.regex]
    if args.unit_only:
        cmd += ["-L", "unit"]
    return subprocess.run(cmd).returncode


def parser():
    ap = argparse.ArgumentParser(prog="scripts/hv", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    sub.add_parser("setup", help="install what this machine lacks (packages, Capstone source, "
                   "Debian kernel, busybox) into .cache/")

    p = sub.add_parser("build", help="configure and build hv.elf, the test guests and the ISOs")
    p.add_argument("--quiet", action="store_true", help="print the build log only on failure")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("run", help="boot a scenario and judge its serial log",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="exit status: 0 pass, 1 failing verdict (a kernel's nonzero "
                       "isa-debug-exit code among them), 2 panic, 3 timeout, 4 L0 exited "
                       "without a verdict, 5 usage or build error; with --qemu-status, a run "
                       "ended through isa-debug-exit gives QEMU's (code << 1) | 1 instead")
    p.add_argument("name", nargs="?", help=f"scenario (default: {scenarios.DEFAULT})")
    p.add_argument("--list", action="store_true", help="list the scenarios")
    p.add_argument("--l0", choices=["auto", "kvm", "bochs", "tcg"], default="auto",
                   help="the machine under the hypervisor (auto: KVM if this host has vmx "
                   "and /dev/kvm, else Bochs); tcg: QEMU without KVM booting a --no-hv "
                   "kernel with its own -kernel loader, the reference run")
    p.add_argument("--smp", type=int, help="CPUs")
    p.add_argument("--mem", type=int, metavar="MB", help="RAM in MiB")
    p.add_argument("--hv", default="", metavar="ARGS",
                   help="kernel command-line options; they replace the scenario's options "
                   "of the same name")
    p.add_argument("--timeout", type=int, metavar="S", help="wall-clock limit in seconds")
    p.add_argument("--log", metavar="FILE", help="also write the serial log to FILE")
    p.add_argument("--guest", default="", metavar="ARGS",
                   help="test-guest command-line options; they replace the scenario's "
                   "options of the same name (e.g. iters=100 for trapbench)")
    p.add_argument("--kernel", metavar="FILE",
                   help="boot this kernel (Multiboot v1 or v2, or a bzImage) as L2 instead of "
                   "a scenario; it ends through isa-debug-exit (code 0 = pass)")
    p.add_argument("--module", action="append", default=[], metavar="'FILE [ARGS]'",
                   help="a module for --kernel (repeatable), with its command line")
    p.add_argument("--append", default="", metavar="ARGS", help="--kernel's command line")
    p.add_argument("--no-hv", action="store_true",
                   help="boot --kernel directly on L0 (GRUB), for a side-by-side run")
    p.add_argument("--qemu-status", action="store_true",
                   help="exit as QEMU would: (code << 1) | 1 when the kernel wrote CODE to "
                   "isa-debug-exit (for harnesses written for QEMU)")
    p.add_argument("--console", choices=["auto", "on", "off"], default="auto",
                   help="attach this terminal to the guest's serial port (auto: for "
                   "interactive scenarios such as linux, when run from a terminal)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("bench", help="measure trap costs natively and under the hypervisor; "
                       "write trapcost.json, .md and .png and print the table",
                       epilog="exit status: 0 every configuration ran (missed targets are "
                       "only reported), 1 a run failed, 5 usage or build error")
    p.add_argument("--out", default=os.path.join(BUILD, "bench"), metavar="DIR",
                   help="where the files go (default: build/bench)")
    p.add_argument("--l0", choices=["auto", "kvm", "bochs"], default="auto",
                   help="the machine under every configuration (as for run)")
    p.add_argument("--iters", type=int, default=1000, metavar="N",
                   help="timed runs per test (default 1000)")
    p.add_argument("--no-boot-cost", dest="boot_cost", action="store_false",
                   help="skip the boot-cost suite (Linux to userspace under the hypervisor "
                   "and natively: two Linux boots, about 40 s under Bochs)")
    p.add_argument("--no-nested", dest="nested", action="store_false",
                   help="skip the nested rows (minihv as L2 under each vmcs_shadow and "
                   "prefetch setting: L3 CPUID, L1 exits and L2 VMREAD/VMWRITE exits per "
                   "reflected exit; then Linux with kvm_intel as L2 for the kvm-nested rows, "
                   "and as L1 hosting minihv for the kvm-l1-nested rows; about 5 minutes "
                   "under Bochs)")
    p.add_argument("--no-paging", dest="paging_cost", action="store_false",
                   help="skip the paging benchmark (ptchurn and Linux under paging=nested, "
                   "shadow and hybrid, and ptchurn's recorded trace, into paging.json; about "
                   "5 min under Bochs)")
    p.add_argument("--no-pool-cost", dest="pool_cost", action="store_false",
                   help="skip the page pool's costs (scenario pooltest: first touch, "
                   "copy-on-write, swap-in; about 15 s under Bochs)")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("fuzz", help="run the host fuzzers (libFuzzer, ASan+UBSan) for longer "
                       "than the tests do, then the fuzzing guest under the hypervisor; print "
                       "executions and operations against the issue's targets",
                       epilog="exit status: 0 no finding (or no clang: SKIP), 1 a finding, "
                       "5 usage or build error")
    p.add_argument("targets", nargs="*", metavar="TARGET",
                   help="only these host targets (default: all)")
    p.add_argument("--time", type=int, default=60, metavar="S",
                   help="seconds per target (default 60)")
    p.add_argument("--runs", type=int, metavar="N",
                   help="stop a target after N inputs (--time still bounds it)")
    p.add_argument("--seed", type=int, default=1, help="libFuzzer's seed (default 1)")
    p.add_argument("--no-host", dest="host", action="store_false",
                   help="skip the host fuzzers")
    p.add_argument("--guest-iters", type=int, default=FUZZ_TARGET_GUEST_OPS, metavar="N",
                   help=f"operations of the fuzzing guest under the hypervisor (default "
                   f"{FUZZ_TARGET_GUEST_OPS:,}, about a minute under Bochs; 0: skip it)")
    p.add_argument("--guest-seed", type=int, default=1, metavar="S",
                   help="the fuzzing guest's seed (default 1)")
    p.add_argument("--guest-ops", metavar="KINDS",
                   help="the fuzzing guest's kinds, e.g. vmcs or mmio (they add the boot "
                   "options they need; default: hc,msr,io,cr)")
    p.set_defaults(func=cmd_fuzz)

    p = sub.add_parser("soak", help="Linux as L2 runs a busybox stress loop (fork/exec, tmpfs "
                       "file I/O, sleeps) for a bounded time; prints its counts and the exit "
                       "counters",
                       epilog="exit status: 0 the loop ran without errors and Linux powered off, "
                       "1 otherwise, 5 usage or build error")
    p.add_argument("--seconds", type=int, default=60, metavar="S",
                   help="of Linux's own time (default 60; under Bochs about as many wall seconds)")
    p.add_argument("--smp", type=int, default=1, help="CPUs (default 1)")
    p.add_argument("--watchdog", type=int, default=2000, metavar="MS",
                   help="the hypervisor's watchdog= (default 2000; 0: off)")
    p.set_defaults(func=cmd_soak)

    p = sub.add_parser("test", help="build, then run the unit and integration tests (ctest)")
    p.add_argument("-j", "--jobs", type=int, default=2, help="parallel tests (default 2)")
    p.add_argument("-R", "--regex", help="only tests whose name matches")
    p.add_argument("--unit-only", action="store_true", help="only the host unit tests")
    p.set_defaults(func=cmd_test)
    return ap


def main():
    args = parser().parse_args()
    sys.exit(args.func(args) or 0)


if __name__ == "__main__":
    main()
