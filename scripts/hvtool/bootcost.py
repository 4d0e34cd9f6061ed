"""The boot-cost benchmark: ticks from L2 entry to Linux's userspace marker
under the hypervisor, against the same kernel and initramfs booted without
it. The native run is scenario `linux-direct`: the hypervisor's own loader
puts the same kernel, initramfs, memory map and boot parameters in place and
then jumps to the kernel without VMX (launch=direct), so both counts start
at the same instruction (`@hv l2-entry`) and end at /init's marker: under
Bochs, whose TSC counts instructions, an exact comparison. Linux's own clock
(its uptime at /init's clock check) is printed beside it."""

import serial_log

HV_SCENARIO, NATIVE_SCENARIO = "linux", "linux-direct"
TARGET_RATIO = 1.05


def marker_tsc(log):
    """The TSC /init stamped on its userspace marker, or None."""
    lines = serial_log.mlines(log, kind="userspace", src="linux")
    return int(lines[0][2]["tsc"]) if lines and "tsc" in lines[0][2] else None


def entry_tsc(log):
    """The TSC at the kernel's entry (`@hv l2-entry`), or None."""
    lines = serial_log.mlines(log, kind="l2-entry", src="hv")
    return int(lines[0][2]["tsc"]) if lines else None


def kernel_uptime(log):
    """Linux's own clock (seconds since its clock started) at /init's clock check."""
    lines = serial_log.mlines(log, kind="clock", src="linux")
    return float(lines[0][2]["uptime_before"]) if lines else None


def measure(hv_log, native_log):
    """The rows and a summary dict, from the two runs' serial logs."""
    ends = [marker_tsc(hv_log), entry_tsc(hv_log), marker_tsc(native_log), entry_tsc(native_log)]
    if None in ends:
        return [], {"error": "a marker is missing (userspace tsc= or @hv l2-entry)"}
    hv_ticks, native_ticks = ends[0] - ends[1], ends[2] - ends[3]
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
    line = (f"boot cost: kernel entry to userspace {s['hv_ticks']} ticks under the "
            f"hypervisor, {s['native_ticks']} natively: ratio {s['ratio']:.4f} "
            f"(target <= {TARGET_RATIO}: {met})")
    if s.get("kernel_clock_ratio"):
        line += f"; by Linux's own clock {s['kernel_clock_ratio']:.4f}"
    return line
