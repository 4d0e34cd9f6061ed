"""The boot-cost benchmark: ticks from L2 entry to Linux's userspace marker
under the hypervisor, against the same kernel and initramfs booted by GRUB
directly on L0. Under the hypervisor the count starts at `@hv l2-entry`.
Natively nothing marks the kernel's entry, so the count starts where the
hypervisor run's GRUB handed over (`hv_start_tsc`): both runs go through
the same BIOS and GRUB loading the same kernel and initramfs (the
hypervisor run loads hv.elf too, a few hundred KiB more), so under Bochs,
whose TSC counts instructions, the two starts differ by GRUB's copying of
hv.elf only, which the native count therefore slightly overstates. GRUB's
`linux` and `multiboot2` loaders do not copy the kernel the same way, though,
so the ratio by Linux's own clock (uptime at /init's clock check, TSC-based,
from the kernel's clock start) is printed beside it: it leaves every loader
out of the count."""

import serial_log

HV_SCENARIO, NATIVE_SCENARIO = "linux", "native-linux"
TARGET_RATIO = 1.05


def marker_tsc(log):
    """The TSC /init stamped on its userspace marker, or None."""
    lines = serial_log.mlines(log, kind="userspace", src="linux")
    return int(lines[0][2]["tsc"]) if lines and "tsc" in lines[0][2] else None


def l2_entry(log):
    """(TSC at L2 entry, TSC at the hypervisor's start), or (None, None)."""
    lines = serial_log.mlines(log, kind="l2-entry", src="hv")
    if not lines:
        return None, None
    f = lines[0][2]
    return int(f["tsc"]), int(f["hv_start_tsc"])


def kernel_uptime(log):
    """Linux's own clock (seconds since its clock started) at /init's clock check."""
    lines = serial_log.mlines(log, kind="clock", src="linux")
    return float(lines[0][2]["uptime_before"]) if lines else None


def measure(hv_log, native_log):
    """The rows and a summary dict, from the two runs' serial logs."""
    hv_marker, native_marker = marker_tsc(hv_log), marker_tsc(native_log)
    entry, hv_start = l2_entry(hv_log)
    if None in (hv_marker, native_marker, entry, hv_start):
        return [], {"error": "a marker is missing (userspace tsc= or @hv l2-entry)"}
    hv_ticks, native_ticks = hv_marker - entry, native_marker - hv_start
    ratio = hv_ticks / native_ticks if native_ticks > 0 else None
    rows = [{"test": "boot-to-userspace", "config": config, "min": ticks, "median": ticks,
             "p99": ticks, "n": 1} for config, ticks in (("native", native_ticks),
                                                         ("hv", hv_ticks))]
    hv_up, native_up = kernel_uptime(hv_log), kernel_uptime(native_log)
    return rows, {"hv_ticks": hv_ticks, "native_ticks": native_ticks, "ratio": ratio,
                  "target_ratio": TARGET_RATIO,
                  "kernel_clock_ratio": hv_up / native_up if hv_up and native_up else None}


def summary_line(s):
    """One line for the bench's output."""
    if "error" in s:
        return f"boot cost: not measured: {s['error']}"
    met = "met" if s["ratio"] is not None and s["ratio"] <= TARGET_RATIO else "missed"
    line = (f"boot cost: L2 entry to userspace {s['hv_ticks']} ticks under the hypervisor, "
            f"{s['native_ticks']} natively: ratio {s['ratio']:.4f} "
            f"(target <= {TARGET_RATIO}: {met})")
    if s.get("kernel_clock_ratio"):
        line += (f"; by Linux's own clock (no loader in the count) "
                 f"{s['kernel_clock_ratio']:.4f}")
    return line
