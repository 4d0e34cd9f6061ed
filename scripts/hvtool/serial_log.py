"""Reading the serial log: machine lines ("@<source> <kind> key=value ...")
and the verdict a run is judged by. Tests and benchmarks use only this."""

import re
import shlex

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MLINE = re.compile(r"^@(?P<src>[a-z0-9_-]+) (?P<kind>[a-z0-9_-]+)(?: (?P<rest>.*))?$")


def clean(line):
    """A serial line without terminal escapes and carriage returns."""
    return ANSI.sub("", line).replace("\r", "")


def fields(rest):
    """key=value fields of a machine line; quoted values may hold spaces."""
    out = {}
    try:
        tokens = shlex.split(rest or "")
    except ValueError:  # an unbalanced quote: fall back to plain splitting
        tokens = (rest or "").split()
    for tok in tokens:
        key, sep, value = tok.partition("=")
        out[key] = value if sep else True
    return out


def parse_mline(line):
    """(source, kind, fields) for a machine line, else None."""
    m = MLINE.match(clean(line).strip())
    if not m:
        return None
    return m.group("src"), m.group("kind"), fields(m.group("rest"))


def mlines(text, kind=None, src=None):
    """Every machine line of TEXT (optionally of one kind/source), in order."""
    out = []
    for line in text.splitlines():
        parsed = parse_mline(line)
        if parsed and (kind is None or parsed[1] == kind) and (src is None or parsed[0] == src):
            out.append(parsed)
    return out


class Verdict:
    """What the log says so far: the verdict line of SOURCE (the kernel GRUB
    booted: "hv", or "guest" when a test guest runs natively) and the first
    panic record from anyone. Under the hypervisor a guest's own verdict
    line is only a report: the hypervisor's, which follows, decides. SOURCE
    "l0" is a kernel run directly on L0 that may print nothing we parse: its
    write to isa-debug-exit, as the L0 saw it (debug_exit), decides."""

    def __init__(self, source="hv"):
        self.result = None      # "pass" / "fail" once a verdict line arrived
        self.reason = ""
        self.source = source
        self.panic = None       # fields of the first panic record
        self.code = None        # the isa-debug-exit code, when the run ended that way

    def feed(self, line):
        parsed = parse_mline(line)
        if not parsed:
            return
        src, kind, f = parsed
        if kind == "panic" and self.panic is None:
            self.panic = f
        elif kind == "verdict" and src == self.source and self.result is None:
            self.result = f.get("result")
            self.reason = f.get("reason", "")
            if f.get("code", "").isdigit():
                self.code = int(f["code"])

    def debug_exit(self, code):
        """The kernel wrote CODE to isa-debug-exit on a bare L0: 0 passes, as under
        the hypervisor (hv/exit_io.c); other codes fail."""
        if self.source == "l0" and self.result is None:
            self.result = "pass" if code == 0 else "fail"
            self.reason = f"guest-exit-{self.result}"
            self.code = code

    @property
    def qemu_status(self):
        """What QEMU would exit with for the code: (code << 1) | 1; None without one."""
        return None if self.code is None else (self.code << 1) | 1

    @property
    def done(self):
        return self.result is not None
