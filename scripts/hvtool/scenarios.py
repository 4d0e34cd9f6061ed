"""The named scenarios `scripts/hv run NAME` boots: which kernel GRUB starts
(the hypervisor, or a test guest directly on L0 for the native configuration),
which modules it gets, with which command lines, and what the run must end in."""

import os
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
    verdict_source: str = ""    # whose verdict decides: "" = the booted kernel's line,
    #                             "l0" = its isa-debug-exit write as the L0 saw it
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
    Scenario("probe-sweep", "L2 reads every page it can name (guest_fault=inject turns each "
             "refused read into a #GP it catches) and must find nothing of L1: not its "
             "ranges, not its canary", HV, kernel_args="guest_fault=inject",
             modules=(("guests/probe.elf", "target=sweep"),), timeout=300),
    l2_guest("fuzz", "L2 makes random hypercalls and random accesses to MSRs, ports and "
             "control registers that exit (guests/fuzz; --guest seed=N iters=N ops=hc,msr,io,cr "
             "trace=N; ops=vmcs with --hv nested=on: random VMCSs entered; ops=mmio with --hv "
             "\"mmio_test=on emul_unsupported=ud guest_fault=inject\": instruction bytes at CPL 3 "
             "against the test MMIO device): the hypervisor must survive them all", "fuzz",
             "seed=1 iters=20000"),
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
             "refused (the test MMIO device's page among them), and measures view "
             "switches", HV, kernel_args="protect=on mmio_test=on",
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
    Scenario("trapbench", "L2 measures exit round trips (CPUID, VMCALL, port I/O, MMIO, MSRs, "
             "control registers, IPIs, HLT, a reflected #BP) and ends with the trap-cost "
             "table", HV, kernel_args="exc_intercept=3 mmio_test=on",
             modules=(("guests/trapbench.elf", ""),)),
    Scenario("minihv", "L2 is a mini guest hypervisor (nested=on): VMX on, every VMfail "
             "path it provokes, an L3 run with CPUID/VMCALL/I/O/MSR/exception exits and "
             "an injected NMI, VM-entry failures, a second VMCS, L3 under its EPT, the L3 "
             "CPUID round trip; --guest irq=1 (interrupts during L3), urg=1 (L3 in real "
             "mode and with paging off), cpu=1 (all on CPU 1: --smp 2), hang=1 (an L3 "
             "that spins: for watchdog=)",
             HV, kernel_args="nested=on", modules=(("guests/minihv.elf", "iters=100"),)),
    Scenario("mmiotest", "L2 runs every instruction form the emulator supports against RAM "
             "and against the test MMIO device and compares results and flags; a #PF in the "
             "middle of a REP MOVS and #UD for an unsupported instruction", HV,
             kernel_args="mmio_test=on emul_unsupported=ud",
             modules=(("guests/mmiotest.elf", ""),), timeout=300),
    Scenario("mmiotest-stop", "the mmiotest guest with emul_unsupported=stop: its INC on the "
             "device must be reported with its bytes and disassembly and end the run", HV,
             kernel_args="mmio_test=on emul_unsupported=stop",
             modules=(("guests/mmiotest.elf", "iters=1"),), timeout=300, expect="fail",
             expect_reason="emul-failed"),
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
             "shadowed until its tables are written, then nested until they go quiet", HV,
             kernel_args="paging=hybrid", modules=(("guests/ptchurn.elf", ""),)),
    Scenario("ptchurn-trace", "the ptchurn guest under paging=shadow with paging_trace=on: "
             "its CR3 loads, table writes and hidden faults as @hv ptrace lines, the trace "
             "walkmodel.py replays", HV, kernel_args="paging=shadow paging_trace=on",
             modules=(("guests/ptchurn.elf", ""),)),
    l2_guest("pt32", "L2 leaves long mode for 32-bit paging (without and with PSE) and PAE "
             "paging, maps, remaps and unmaps pages there, switches CR3, checks A/D bits and "
             "its true #PFs (paging=nested: the reference)", "pt32"),
    Scenario("pt32-shadow", "the pt32 guest under shadow page tables (paging=shadow): PAE-format "
             "shadows for its 32-bit and PAE paging", HV, kernel_args="paging=shadow",
             modules=(("guests/pt32.elf", ""),)),
    Scenario("pt32-hybrid", "the pt32 guest under paging=hybrid", HV,
             kernel_args="paging=hybrid", modules=(("guests/pt32.elf", ""),)),
    Scenario("pt32-native", "the pt32 guest directly on L0", "guests/pt32.elf"),
    Scenario("pt32-vmx", "the pt32 guest with nested=on: under PAE paging a VMXON whose operand "
             "the hypervisor must read through L2's cached PDPTEs", HV, kernel_args="nested=on",
             modules=(("guests/pt32.elf", "vmx"),)),
    Scenario("ptchurn-native", "the ptchurn guest directly on L0", "guests/ptchurn.elf"),
    Scenario("trapbench-native", "the trapbench guest directly on L0: the native column "
             "of the trap-cost table", "guests/trapbench.elf"),
    Scenario("irqtest", "L2 on two CPUs takes timer, IPI, priority-ordered, TPR-held, "
             "in-service-held and NMI interrupts on each CPU, then COM1 and the PIT through "
             "the IOAPIC steered to each CPU, under irq=0:direct,1:intercept (--hv irq=... for "
             "another mix, ioapic_model=on to police the routes), checks counts, order and "
             "what the hypervisor intercepted, scans PCI for MSI, then measures one interrupt "
             "per CPU", HV,
             kernel_args="irq=0:direct,1:intercept",
             modules=(("guests/irqtest.elf", ""),), smp=2, timeout=240),
    Scenario("irqtest-native", "the irqtest guest directly on L0 on two CPUs: the native "
             "baseline of its checks and of the irq bench rows", "guests/irqtest.elf", smp=2,
             timeout=240),
    Scenario("linux", "Debian's cloud kernel and a busybox initramfs as L2: /init reports "
             "its CPUs, flags and clock, then powers off through ACPI S5 (--guest "
             "hvinit=reboot or hvinit=shell for the other ends)", HV,
             modules=(("linux/vmlinuz", LINUX_ARGS), ("linux/initramfs.cpio.gz", "")),
             timeout=600, interactive=True),
    Scenario("linux-prot", "the linux scenario with protection tables (protect=on): /init's "
             "protdemo keeps the kernel's text read+execute only and its secret page "
             "unreachable from other programs; a forked child reading it must die of "
             "SIGSEGV while the system runs on", HV, kernel_args="protect=on",
             modules=(("linux/vmlinuz", f"{LINUX_ARGS} hvprot=1"),
                      ("linux/initramfs.cpio.gz", "")), timeout=600),
    Scenario("linux-direct", "the linux scenario's kernel and initramfs loaded by the "
             "hypervisor's own loader, then entered without VMX (launch=direct): the "
             "native baseline of the boot-cost benchmark", HV, kernel_args="launch=direct",
             modules=(("linux/vmlinuz", NATIVE_LINUX_ARGS), ("linux/initramfs.cpio.gz", "")),
             timeout=600, verdict_source="guest"),
    Scenario("mb1", "the mb1 guest, a Multiboot v1 kernel as written for QEMU, as L2 with a "
             "module: boot information, fw_cfg, low memory, its exit code through "
             "isa-debug-exit (--guest exit=N)", HV,
             modules=(("guests/mb1.elf", "exit=0"), ("guests/hello.elf", "mod-arg=1"))),
    Scenario("native-mb1", "the mb1 guest booted by GRUB's multiboot (v1) command directly on "
             "L0; its isa-debug-exit write ends the run (on Bochs, seen in Bochs' log)",
             "guests/mb1.elf", kernel_args="exit=0",
             modules=(("guests/hello.elf", "mod-arg=1"),), verdict_source="l0"),
    Scenario("trapbench-kvm", "the peer configuration of the trap-cost table: the native-linux "
             "kernel with kvm_intel runs the trapbench guest through /bin/kvmrun (a /dev/kvm "
             "runner), then powers off; kvmrun's verdict judges the run",
             "linux/vmlinuz", kernel_args=f"{NATIVE_LINUX_ARGS} hvinit=kvmbench",
             modules=(("linux/kvmbench.cpio.gz", ""),), timeout=600, verdict_source="kvm"),
    Scenario("trapbench-kvm-nested", "trapbench-kvm's kernel and initramfs as L2 under the "
             "hypervisor with nested=on, vmcs_shadow=hw: kvm_intel in L2 runs trapbench as L3 "
             "(the kvm-nested bench config); kvmrun's verdict judges the run", HV,
             kernel_args="nested=on vmcs_shadow=hw",
             modules=(("linux/vmlinuz", f"{LINUX_ARGS} hvinit=kvmbench"),
                      ("linux/kvmbench.cpio.gz", "")), timeout=900, verdict_source="kvm"),
    Scenario("minihv-kvm", "the minihv scenario's peer (the kvm-l1-nested bench config): "
             "trapbench-kvm's kernel and initramfs directly on L0, kvm_intel with nested=1 runs "
             "the mini guest hypervisor as its guest through kvmrun, and minihv runs its L3; "
             "kvmrun's verdict judges the run",
             "linux/vmlinuz", kernel_args=f"{NATIVE_LINUX_ARGS} hvinit=kvmbench hvkvmguest=minihv",
             modules=(("linux/kvmbench.cpio.gz", ""),), timeout=900, verdict_source="kvm"),
    Scenario("native-linux", "the same kernel and initramfs booted by GRUB directly on "
             "L0, for comparison (Bochs: its TSC rate given, FSRM hidden)",
             "linux/vmlinuz", kernel_args=NATIVE_LINUX_ARGS,
             modules=(("linux/initramfs.cpio.gz", ""),), timeout=600, interactive=True),
]}

DEFAULT = "trapbench"


def kernel_scenario(kernel, modules=(), append="", native=False):
    """`run --kernel`: any kernel written for QEMU (Multiboot v1 or v2, or a bzImage) with
    MODULES ("FILE [ARGS]" each) and command line APPEND, as L2 under the hypervisor, or
    (NATIVE) booted by GRUB directly on L0. Under the hypervisor its verdict line decides
    (isa-debug-exit: code 0 passes); natively the kernel's own isa-debug-exit write does."""
    mods = []
    for spec in modules:
        path, _, args = spec.strip().partition(" ")
        mods.append((os.path.abspath(path), args.strip()))
    for path in [kernel] + [p for p, _ in mods]:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path}: no such file")
    path = os.path.abspath(kernel)
    if native:
        return Scenario("kernel-native", f"{kernel} directly on L0", path, kernel_args=append,
                        modules=tuple(mods), verdict_source="l0")
    return Scenario("kernel", f"{kernel} as L2 under the hypervisor", HV,
                    modules=((path, append), *mods))


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
