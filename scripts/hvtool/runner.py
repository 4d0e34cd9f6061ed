"""Boots one ISO on one L0 and judges the run by its serial log: streams the
log to stdout as it grows, stops at the verdict, a timeout or the L0's exit,
and returns an Outcome that says which."""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import console
import l0
from serial_log import Verdict, clean

GRACE_AFTER_VERDICT = 5.0   # seconds the L0 gets to power off by itself
GRACE_AFTER_NATIVE_EXIT = 0.5
POLL = 0.05

# Exit statuses of `scripts/hv run`, one per way a run can end.
EXIT_PASS, EXIT_FAIL, EXIT_PANIC, EXIT_TIMEOUT, EXIT_NO_VERDICT, EXIT_ERROR = 0, 1, 2, 3, 4, 5


@dataclass
class Outcome:
    status: int
    summary: str
    log: str          # the whole serial log, escapes stripped
    verdict: Verdict


class _LogSink:
    """Collects serial text, echoes whole lines and feeds them to the verdict."""

    def __init__(self, echo, log_file, verdict_source):
        self.echo = echo
        self.log_file = log_file
        self.partial = ""
        self.lines = []
        self.verdict = Verdict(verdict_source)

    def add(self, text):
        self.partial += text
        *done, self.partial = self.partial.split("\n")
        for raw in done:
            self._line(raw)

    def close(self):
        if self.partial:
            self._line(self.partial)
            self.partial = ""

    def _line(self, raw):
        line = clean(raw)
        self.lines.append(line)
        self.verdict.feed(line)
        self.log_file.write(line + "\n")
        self.log_file.flush()
        if self.echo:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()


def _kill(proc):
    """Ends the L0 process group: SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=3)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def _bochs_reason(workdir):
    """The fatal message Bochs logged (e.g. a triple fault), if any."""
    path = os.path.join(workdir, "bochs.log")
    try:
        with open(path, errors="replace") as f:
            lines = [ln.strip() for ln in f if "PANIC" in ln or "triple fault" in ln.lower()]
    except OSError:
        return ""
    return lines[-1] if lines else ""


def _watch(proc, read_more, sink, timeout):
    """Polls READ_MORE until verdict + grace, L0 exit or TIMEOUT; returns 'verdict',
    'exited' or 'timeout'."""
    start = time.monotonic()
    verdict_at = None
    # A kernel that wrote to isa-debug-exit on bare Bochs halts: nothing more will come.
    grace = GRACE_AFTER_NATIVE_EXIT if sink.verdict.source == "l0" else GRACE_AFTER_VERDICT
    while True:
        sink.add(read_more())
        now = time.monotonic()
        if sink.verdict.done and verdict_at is None:
            verdict_at = now
        if proc.poll() is not None:
            time.sleep(POLL)
            sink.add(read_more())
            return "verdict" if sink.verdict.done else "exited"
        if verdict_at is not None and now - verdict_at > grace:
            return "verdict"
        if now - start > timeout:
            return "timeout"
        time.sleep(POLL)


def _judge(how, sink, timeout, l0_detail):
    v = sink.verdict
    if how == "detached" and not v.done:
        return EXIT_NO_VERDICT, "no verdict: the console was detached (Ctrl-])"
    if how == "timeout" and not v.done:
        return EXIT_TIMEOUT, f"timeout: no verdict after {timeout} s"
    if not v.done:
        return EXIT_NO_VERDICT, "no verdict: the L0 exited first" + (
            f" ({l0_detail})" if l0_detail else "")
    if v.panic is not None:
        p = v.panic
        where = " ".join(f"{k}={p[k]}" for k in ("kind", "name", "rip", "msg") if k in p)
        return EXIT_PANIC, f"panic: {where}"
    code = "" if v.code is None else f", isa-debug-exit code {v.code}, QEMU status {v.qemu_status}"
    if v.result == "pass":
        return EXIT_PASS, f"pass ({v.reason}{code})"
    return EXIT_FAIL, f"fail: {v.reason or 'no reason given'}{code}"


def run(kind, iso, workdir, mem_mb, smp, timeout, echo=True, interactive=False,
        verdict_source="hv"):
    """Boots ISO on L0 KIND ('bochs'|'kvm'; for 'tcg' ISO is an l0.KernelBoot); logs go
    to WORKDIR; the run is judged by VERDICT_SOURCE's verdict line."""
    serial_path = os.path.join(workdir, "serial.log")
    log_path = os.path.join(workdir, "serial.txt")
    with open(log_path, "w") as log_file:
        sink = _LogSink(echo and not interactive, log_file, verdict_source)
        if interactive:
            how, detail = _run_console(kind, iso, workdir, mem_mb, smp, timeout, sink)
        elif kind == "bochs":
            how, detail = _run_bochs(iso, workdir, mem_mb, smp, timeout, serial_path, sink)
        elif kind == "tcg":
            how, detail = _run_qemu(l0.qemu_kernel_command(iso, mem_mb, smp), timeout, sink)
        else:
            how, detail = _run_qemu(l0.qemu_command(iso, mem_mb, smp), timeout, sink)
        sink.close()
    status, summary = _judge(how, sink, timeout, detail)
    return Outcome(status, summary, "\n".join(sink.lines), sink.verdict)


class _BochsDebugExit:
    """QEMU's isa-debug-exit on Bochs, which has no such device: Bochs logs every
    access to a port nobody claims ("unmapped: 32-bit write to 00f4 = 00000003") when
    its unmapped module reports debug messages, so a write to 0xf4 in bochs.log is
    the kernel's exit code."""

    WRITE = re.compile(r"unmapped: \d+-bit write to 00f4 = ([0-9a-fA-F]+)")

    def __init__(self, path, verdict):
        self.path, self.verdict, self.seen = path, verdict, 0

    def poll(self):
        try:
            with open(self.path, errors="replace") as f:
                f.seek(self.seen)
                text = f.read()
        except OSError:
            return
        done = text.rfind("\n") + 1  # only whole lines
        self.seen += len(text[:done].encode("utf-8", "replace"))
        m = self.WRITE.search(text[:done])
        if m:
            self.verdict.debug_exit(int(m.group(1), 16))


def _run_bochs(iso, workdir, mem_mb, smp, timeout, serial_path, sink):
    debug_exit = sink.verdict.source == "l0"
    cmd = l0.bochs_files(workdir, iso, mem_mb, smp, serial_path, debug_exit=debug_exit)
    watcher = _BochsDebugExit(os.path.join(workdir, "bochs.log"), sink.verdict)
    open(serial_path, "w").close()
    with open(os.path.join(workdir, "bochs.out"), "w") as out, open(serial_path, "rb") as serial:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=workdir, start_new_session=True)

        def read_more():
            if debug_exit:
                watcher.poll()
            return serial.read().decode("utf-8", "replace")
        try:
            how = _watch(proc, read_more, sink, timeout)
        finally:
            _kill(proc)
    if debug_exit:
        watcher.poll()
    return how, _bochs_reason(workdir)


def _run_console(kind, iso, workdir, mem_mb, smp, timeout, sink):
    """Either L0 with COM1 on a local TCP server, attached to this terminal."""
    port = console.free_port()
    if kind == "bochs":
        cmd = l0.bochs_files(workdir, iso, mem_mb, smp, None, console_port=port)
    else:
        cmd = l0.qemu_command(iso, mem_mb, smp, console_port=port)
    with open(os.path.join(workdir, f"{kind}.out"), "w") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True)
        try:
            sock = console.connect(port, proc)
            how = "exited" if sock is None else console.attach(
                sock, proc, sink, timeout, GRACE_AFTER_VERDICT)
        finally:
            _kill(proc)
    return how, _bochs_reason(workdir) if kind == "bochs" else f"qemu exit {proc.returncode}"


def _run_qemu(cmd, timeout, sink):
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    chunks = []
    lock = threading.Lock()

    def pump():
        for block in iter(lambda: os.read(proc.stdout.fileno(), 4096), b""):
            with lock:
                chunks.append(block)

    def read_more():
        with lock:
            data = b"".join(chunks)
            chunks.clear()
        return data.decode("utf-8", "replace")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        how = _watch(proc, read_more, sink, timeout)
    finally:
        _kill(proc)
    reader.join(timeout=1)
    sink.add(read_more())
    if proc.returncode is not None and proc.returncode > 0 and proc.returncode % 2:
        sink.verdict.debug_exit(proc.returncode >> 1)  # isa-debug-exit's (code << 1) | 1
    return how, f"qemu exit status {proc.returncode}"
