"""The machine under the hypervisor: QEMU with KVM when this host offers VMX
and a working /dev/kvm, else Bochs. Each builds the command line that boots an
ISO with the serial log going where the runner reads it."""

import os
import shutil
from dataclasses import dataclass

BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
BOCHS_VGA = "/usr/share/vgabios/vgabios.bin"
BOCHS_CPU_MODEL = "corei7_icelake_u"   # the richest VMX model (shared/PLATFORM.md)
BOCHS_IPS = 50_000_000                 # TSC ticks per emulated second
DEBUG_EXIT_PORT = 0xf4


def host_has_kvm_vmx():
    """True when QEMU can give our L1 VMX: an Intel vmx flag and a usable /dev/kvm."""
    try:
        with open("/proc/cpuinfo") as f:
            has_vmx = any(line.startswith("flags") and " vmx" in line for line in f)
    except OSError:
        return False
    return has_vmx and os.access("/dev/kvm", os.R_OK | os.W_OK)


def choose(requested):
    """'kvm', 'bochs' or 'tcg' for --l0 REQUESTED (auto|kvm|bochs|tcg); ValueError if
    impossible."""
    if requested == "auto":
        return "kvm" if host_has_kvm_vmx() and shutil.which("qemu-system-x86_64") else "bochs"
    if requested == "kvm" and not host_has_kvm_vmx():
        raise ValueError("--l0 kvm: this host has no vmx flag or no usable /dev/kvm")
    if requested == "tcg" and not shutil.which("qemu-system-x86_64"):
        raise ValueError("--l0 tcg: no qemu-system-x86_64 on PATH")
    return requested


@dataclass(frozen=True)
class KernelBoot:
    """A kernel QEMU boots itself (-kernel), without GRUB or an ISO."""
    kernel: str
    append: str = ""
    modules: tuple = ()   # ((path, args), ...)


def qemu_kernel_command(boot, mem_mb, smp):
    """QEMU with TCG (no VMX, so no hypervisor) booting BOOT's Multiboot v1 kernel with
    its own loader: the reference run of a kernel written for QEMU, fw_cfg and
    isa-debug-exit included. Modules go in -initrd as "file args", comma-separated
    (QEMU's multiboot loader; a comma inside is doubled). QEMU puts the kernel's file
    name before its command line, as GRUB does not."""
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-m", str(mem_mb),
           "-smp", str(smp), "-display", "none", "-no-reboot", "-serial", "stdio",
           "-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04",
           "-kernel", boot.kernel]
    if boot.append:
        cmd += ["-append", boot.append]
    if boot.modules:
        cmd += ["-initrd", ",".join(f"{p} {a}".strip().replace(",", ",,")
                                    for p, a in boot.modules)]
    return cmd


def bochs_files(workdir, iso, mem_mb, smp, serial_path, console_port=None, debug_exit=False):
    """Writes bochsrc and the debugger rc file into WORKDIR; returns the command.
    COM1 goes to SERIAL_PATH, or to a TCP server on CONSOLE_PORT for a console.
    DEBUG_EXIT: log accesses to unclaimed ports, so the runner sees a write to
    isa-debug-exit's port (Bochs has no such device)."""
    com1 = (f"mode=socket-server, dev=localhost:{console_port}" if console_port
            else f"mode=file, dev={serial_path}")
    rc = os.path.join(workdir, "bochs.rc")
    with open(rc, "w") as f:
        f.write("c\nquit\n")   # the built-in debugger must not stop at t=0
    cfg = os.path.join(workdir, "bochsrc")
    with open(cfg, "w") as f:
        f.write(f"""memory: guest={mem_mb}, host={mem_mb}
romimage: file={BOCHS_BIOS}
vgaromimage: file={BOCHS_VGA}
cpu: model={BOCHS_CPU_MODEL}, count={smp}, ips={BOCHS_IPS}, reset_on_triple_fault=0
ata0-master: type=cdrom, path={iso}, status=inserted
boot: cdrom
clock: sync=none, time0=1
display_library: rfb, options="timeout=0"
com1: enabled=1, {com1}
port_e9_hack: enabled=1
log: {os.path.join(workdir, "bochs.log")}
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore{", unmapped=report" if debug_exit else ""}
""")
    return ["bochs", "-q", "-f", cfg, "-rc", rc]


def qemu_command(iso, mem_mb, smp, console_port=None):
    """QEMU/KVM with nested VMX; serial on stdio (or a TCP server on CONSOLE_PORT
    for a console), isa-debug-exit for power-off."""
    serial = f"tcp:localhost:{console_port},server=on,wait=on" if console_port else "stdio"
    return ["qemu-system-x86_64", "-enable-kvm", "-cpu", "host,+vmx", "-m", str(mem_mb),
            "-smp", str(smp), "-cdrom", iso, "-boot", "d", "-display", "none",
            "-no-reboot", "-serial", serial,
            "-device", f"isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04"]
