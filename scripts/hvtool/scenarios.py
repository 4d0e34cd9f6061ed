"""The named scenarios `scripts/hv run NAME` boots: which kernel GRUB starts
(the hypervisor, or a test guest directly on L0 for the native configuration),
which modules it gets, with which command lines, and what the run must end in."""

from dataclasses import dataclass, field, replace

import l0


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str
    kernel: str                 # path relative to the build dir
    kernel_args: str = ""
    modules: tuple = ()         # ((path relative to the build dir, args), ...)
    expect: str = "pass"        # "pass", or "fail" for scenarios that test failure paths
    expect_reason: str = ""     # the verdict reason an expected failure must give
    timeout: int = 120          # wall seconds under Bochs
    mem_mb: int = 256
    smp: int = 1
    interactive: bool = False   # gets a console when stdin is a terminal
    verdict_source: str = ""    # whose verdict line decides: "" = the booted kernel's
    tags: tuple = field(default=())


HV = "hv/hv.elf"


# shared/PLATFORM.md's fastest command line for Linux on Bochs, without
# tsc_early_khz: the hypervisor gives L2 the TSC rate in CPUID 0x15/0x16.
LINUX_ARGS = ("console=ttyS0,115200 quiet nokaslr cryptomgr.notests rodata=off "
              "mitigations=off tsc=reliable no_timer_check audit=0 apparmor=0")
# Directly on Bochs nobody corrects its CPUID: its leaf 0x15 TSC rate is 30 times
# too high, and FSRM without ERMS breaks Linux 6.1's memmove (hv/exit_cpuid.c).
NATIVE_LINUX_ARGS = f"{LINUX_ARGS} tsc_early_khz={l0.BOCHS_IPS // 1000} clearcpuid=fsrm"


def l2_guest(name, summary, guest, args="", fails_with=""):
    """The hypervisor running test guest GUEST (command line ARGS) as L2; FAILS_WITH is
    the verdict reason of a scenario that tests a failure path."""
    return Scenario(name, summary, HV, modules=((f"guests/{guest}.elf", args),),
                    expect="fail" if fails_with else "pass", expect_reason=fails_with)


SCENARIOS = {s.name: s for s in [
    Scenario("boot", "the hypervisor alone: banner, L0 and VMX features, "
             "allocator self-check, clean power-off", HV),
    Scenario("fault", "the hypervisor takes a deliberate page fault after boot: "
             "must end in a register dump and a panic record", HV,
             kernel_args="inject=pf", expect="fail", expect_reason="panic"),
    Scenario("bad-option", "the hypervisor gets an unknown option and a bad value: "
             "both must be reported and the boot refused", HV,
             kernel_args="no_such_option=1 log=loud", expect="fail",
             expect_reason="bad-cmdline"),
    Scenario("native-hello", "the hello test guest booted directly on L0 "
             "(the native configuration)", "guests/hello.elf",
             kernel_args="greeting=native"),
    l2_guest("hello", "the hello test guest as L2 under the hypervisor", "hello",
             "greeting=l2"),
    l2_guest("probe-image", "L2 reads the hypervisor's image at 2 MiB: the EPT must refuse "
             "it and end the run", "probe", "target=image", fails_with="guest-fault"),
    l2_guest("probe-pool", "L2 reads the hypervisor's pool, found in its memory map: the EPT "
             "must refuse it and end the run", "probe", "target=pool", fails_with="guest-fault"),
    Scenario("native-probe", "the probe guest directly on L0 reads 2 MiB: no hypervisor, "
             "so the read succeeds", "guests/probe.elf", kernel_args="target=image"),
    l2_guest("guest-panic", "L2 reads an address its page tables do not map: the guest "
             "runtime must dump its registers and panic", "probe", "target=unmapped",
             fails_with="guest-panic"),
    l2_guest("triple-fault", "L2 raises #UD with an empty IDT: the hypervisor must report "
             "the triple fault and end the run", "triplefault", fails_with="guest-triple-fault"),
    Scenario("hvcheck", "L2 checks CPUID, the VMX MSRs, VMXON, every hypercall, the "
             "synthetic MSR and #UD reflection, then ends the run through HC_EXIT", HV,
             kernel_args="exc_intercept=6", modules=(("guests/hvcheck.elf", ""),)),
    Scenario("prot", "per-program protection tables: L2 registers two programs (own CR3s) "
             "with different tables, tries allowed and forbidden reads, writes and fetches "
             "in each, switches views by MOV to CR3, hypercall and VMFUNC, has bad tables "
             "refused, and measures view switches", HV, kernel_args="protect=on",
             modules=(("guests/prot.elf", "mode=test"),)),
    Scenario("prot-stop", "a program breaks its stop-policy protection table: the run "
             "must end with a prot-violation verdict", HV, kernel_args="protect=on",
             modules=(("guests/prot.elf", "mode=stop"),), expect="fail",
             expect_reason="prot-violation"),
    Scenario("prot-bench", "the protection guest's view-switch and context-switch "
             "benchmarks, protect=on", HV, kernel_args="protect=on",
             modules=(("guests/prot.elf", "mode=bench iters=1000"),)),
    Scenario("prot-bench-off", "the same context-switch loop with protect=off (the "
             "baseline of ctxsw-protect-on)", HV, kernel_args="protect=off",
             modules=(("guests/prot.elf", "mode=bench iters=1000"),)),
    Scenario("trapbench", "L2 measures exit round trips (CPUID, VMCALL, port I/O, MSRs, "
             "control registers, IPIs, HLT, a reflected #BP) and ends with the trap-cost "
             "table", HV, kernel_args="exc_intercept=3",
             modules=(("guests/trapbench.elf", ""),)),
    Scenario("pooltest", "L2 RAM backed by the page pool (pool=on): first touch, sharing "
             "with copy-on-write, swapping beyond the machine pages backing it; ends with "
             "the pool's bench lines and counters", HV, kernel_args="pool=on",
             modules=(("guests/pooltest.elf", ""),)),
    l2_guest("sharedpage", "L2 maps the page the hypervisor shares with its vCPU, reads its "
             "counters and sends a batch of requests through it with one exit", "sharedpage"),
    l2_guest("ptchurn", "L2 switches between 8 address spaces of its own and remaps, "
             "unmaps and writes pages in them, checking every read (paging=nested)", "ptchurn"),
    Scenario("ptchurn-shadow", "the ptchurn guest under shadow page tables (paging=shadow)",
             HV, kernel_args="paging=shadow", modules=(("guests/ptchurn.elf", ""),)),
    Scenario("ptchurn-hybrid", "the ptchurn guest under paging=hybrid: each address space "
             "shadowed until its tables are written, then nested", HV,
             kernel_args="paging=hybrid", modules=(("guests/ptchurn.elf", ""),)),
    Scenario("ptchurn-native", "the ptchurn guest directly on L0", "guests/ptchurn.elf"),
    Scenario("trapbench-native", "the trapbench guest directly on L0: the native column "
             "of the trap-cost table", "guests/trapbench.elf"),
    Scenario("linux", "Debian's cloud kernel and a busybox initramfs as L2: /init reports "
             "its CPUs, flags and clock, then powers off through ACPI S5 (--guest "
             "hvinit=reboot or hvinit=shell for the other ends)", HV,
             modules=(("linux/vmlinuz", LINUX_ARGS), ("linux/initramfs.cpio.gz", "")),
             timeout=600, interactive=True),
    Scenario("linux-direct", "the linux scenario's kernel and initramfs loaded by the "
             "hypervisor's own loader, then entered without VMX (launch=direct): the "
             "native baseline of the boot-cost benchmark", HV, kernel_args="launch=direct",
             modules=(("linux/vmlinuz", NATIVE_LINUX_ARGS), ("linux/initramfs.cpio.gz", "")),
             timeout=600, verdict_source="guest"),
    Scenario("native-linux", "the same kernel and initramfs booted by GRUB directly on "
             "L0, for comparison (Bochs: its TSC rate given, FSRM hidden)",
             "linux/vmlinuz", kernel_args=NATIVE_LINUX_ARGS,
             modules=(("linux/initramfs.cpio.gz", ""),), timeout=600, interactive=True),
]}

DEFAULT = "trapbench"


def get(name):
    """The scenario called NAME, or a KeyError listing the known ones."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise KeyError(f"unknown scenario '{name}' (known: {', '.join(SCENARIOS)})") from None


def merge_args(base, override):
    """Command line BASE with OVERRIDE's options replacing same-named ones."""
    def key(tok):
        return tok.split("=", 1)[0]
    over = override.split()
    over_keys = {key(t) for t in over}
    return " ".join([t for t in base.split() if key(t) not in over_keys] + over)


def with_guest_args(scenario, args):
    """SCENARIO with ARGS merged into its test guest's command line: the first
    module's under the hypervisor, else the kernel's (a guest booted natively)."""
    if not args:
        return scenario
    if scenario.kernel != HV:
        return replace(scenario, kernel_args=merge_args(scenario.kernel_args, args))
    if not scenario.modules:
        raise ValueError(f"scenario '{scenario.name}' has no guest to give '{args}'")
    (path, base), *rest = scenario.modules
    return replace(scenario, modules=((path, merge_args(base, args)), *rest))
