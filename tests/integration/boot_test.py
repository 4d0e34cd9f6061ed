#!/usr/bin/env python3
"""Integration tests: boot a scenario under Bochs (the deterministic L0) and
judge only its serial log and the launcher's exit status. One table row per
test; ctest runs `boot_test.py NAME --build DIR` for each."""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "hvtool"))
import cli         # noqa: E402
import runner      # noqa: E402
import serial_log  # noqa: E402

# Features the Bochs corei7_icelake_u model must show (shared/PLATFORM.md).
BOCHS_FEATURES = {"ept": "1", "vpid": "1", "unrestricted_guest": "1", "vmcs_shadowing": "1",
                  "vmfunc": "1", "eptp_switching": "1", "posted_interrupts": "0",
                  "apic_access_virt": "1", "virtual_intr_delivery": "1",
                  "preemption_timer": "1", "pml": "1", "ept_ve": "1", "ept_1g": "1",
                  "ept_ad": "1", "ept_5level": "0"}


def expect_mline(text, line_kind, src="hv", /, **want):
    """The first LINE_KIND machine line from SRC whose fields include WANT
    (any field name, even 'log' or 'src'); fails if there is none."""
    lines = serial_log.mlines(text, kind=line_kind, src=src)
    for _, _, f in lines:
        if all(f.get(k) == v for k, v in want.items()):
            return f
    raise AssertionError(f"no '@{src} {line_kind}' line with {want}; "
                         f"got {[f for _, _, f in lines]}")


def expect_text(log, *texts):
    for t in texts:
        if t not in log:
            raise AssertionError(f"serial log lacks {t!r}")


def check_banner(log):
    expect_mline(log, "banner")
    expect_mline(log, "l0", kind="bochs", vendor="GenuineIntel", vmx="1")
    expect_mline(log, "vmx", revision="0x4", decode="ok", true_ctls="1", enabled="1")
    expect_mline(log, "vmx-features", **BOCHS_FEATURES)
    expect_mline(log, "options", log="info", inject="none", selftest="on", hvmem="32")
    expect_mline(log, "selftest", name="page_alloc", result="pass")
    mem = expect_mline(log, "memory")
    usable_mib = int(mem["usable_kib"]) // 1024
    assert 200 <= usable_mib < 256, f"usable memory {usable_mib} MiB for a 256 MiB machine"
    assert int(mem["image_start"], 16) == 0x200000, mem
    pool = int(mem["pool_end"], 16) - int(mem["pool_base"], 16)
    assert pool == 32 << 20, f"default pool is {pool >> 20} MiB, not 32"
    assert int(mem["pool_end"], 16) > 200 << 20, f"pool not at the top of RAM: {mem}"
    expect_mline(log, "verdict", result="pass", reason="boot-complete")


def check_small_memory(log):
    mem = expect_mline(log, "memory")
    assert int(mem["usable_kib"]) // 1024 < 32, mem
    assert int(mem["pool_end"], 16) - int(mem["pool_base"], 16) == 8 << 20, mem
    expect_mline(log, "selftest", name="page_alloc", result="pass")


def check_pool_too_big(log):
    expect_text(log, "no room for a 64 MiB hypervisor pool")
    expect_mline(log, "panic", kind="software")


def panic_check(vector, name, **extra):
    def check(log):
        expect_mline(log, "panic", kind="exception", vector=str(vector), name=name, **extra)
        expect_text(log, "  rax=", "  rip=", "  cr0=", f"exception {name}")
        expect_mline(log, "verdict", result="fail", reason="panic")
    return check


def check_software_panic(log):
    expect_mline(log, "panic", kind="software", msg="injected panic")
    expect_mline(log, "verdict", result="fail", reason="panic")


def check_bad_option(log):
    expect_text(log, "command line: unknown option 'no_such_option=1' (known: log inject",
                "command line: bad value in 'log=loud' (expected log=error|warn|info|debug)")
    expect_mline(log, "cmdline-error", token="no_such_option=1")
    expect_mline(log, "cmdline-error", token="log=loud")
    expect_mline(log, "verdict", result="fail", reason="bad-cmdline")
    assert not serial_log.mlines(log, kind="memory"), "boot went on after a bad option"


def check_native_hello(log):
    expect_mline(log, "hello", "guest", vendor="GenuineIntel")
    expect_text(log, 'cmdline "greeting=native"')
    expect_mline(log, "verdict", "guest", result="pass")


def check_hang(log):
    expect_mline(log, "options", inject="hang")
    assert not serial_log.mlines(log, kind="verdict"), "a hung run printed a verdict"


# name: (scenario, extra hv args, expected launcher status, check, extra run options)
TESTS = {
    "banner": ("boot", "", runner.EXIT_PASS, check_banner, {}),
    "small-memory": ("boot", "hvmem=8", runner.EXIT_PASS, check_small_memory, {"mem": 32}),
    "pool-too-big": ("boot", "hvmem=64", runner.EXIT_PANIC, check_pool_too_big, {"mem": 32}),
    "fault-pf": ("fault", "", runner.EXIT_PANIC,
                 panic_check(14, "#PF", cr2="0xdead0000000", error="0"), {}),
    "fault-ud": ("fault", "inject=ud", runner.EXIT_PANIC, panic_check(6, "#UD"), {}),
    "fault-gp": ("fault", "inject=gp", runner.EXIT_PANIC, panic_check(13, "#GP"), {}),
    "fault-de": ("fault", "inject=de", runner.EXIT_PANIC, panic_check(0, "#DE"), {}),
    "panic": ("fault", "inject=panic", runner.EXIT_PANIC, check_software_panic, {}),
    "bad-option": ("bad-option", "", runner.EXIT_FAIL, check_bad_option, {}),
    "native-hello": ("native-hello", "", runner.EXIT_PASS, check_native_hello, {}),
    "timeout": ("boot", "inject=hang", runner.EXIT_TIMEOUT, check_hang, {"timeout": 20}),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("name", choices=sorted(TESTS))
    ap.add_argument("--build", required=True, help="the CMake build directory")
    args = ap.parse_args()
    scenario, hv_args, want_status, check, opts = TESTS[args.name]
    out = cli.run_scenario(scenario, l0_req="bochs", hv_args=hv_args, echo=False,
                           build_dir=args.build, **opts)
    print(out.log)
    print(f"launcher: status {out.status}: {out.summary}")
    if out.status != want_status:
        sys.exit(f"FAIL {args.name}: launcher status {out.status} ({out.summary}), "
                 f"expected {want_status}")
    try:
        check(out.log)
    except AssertionError as e:
        sys.exit(f"FAIL {args.name}: {e}")
    print(f"PASS {args.name}")


if __name__ == "__main__":
    main()
