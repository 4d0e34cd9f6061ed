#!/usr/bin/env python3
"""A host model of hybrid paging (issue 9; DESIGN.md section 5): replays a
recorded trace of address-space switches, guest page-table writes and TLB
misses, and counts per mode the memory references of the page walks and the
traps to the hypervisor:

  nested     EPT only: a TLB miss walks two dimensions, (g+1)(h+1)-1
             references (24 for 4-level guest and EPT tables); nothing traps
             but nothing is free either.
  shadow     one-dimensional walk (g = 4 references); every CR3 load traps,
             every guest page-table write traps (emulated), and a page's
             first miss after its shadow entry was built or dropped traps
             (a hidden fault fills it). Shadow trees are cached per address
             space (LRU, --roots of them).
  hybrid-hw  per-region hardware switching as agile paging proposes (Gandhi
             et al., ISCA 2016; seed 003): a region (the 2 MiB one guest page
             table maps) whose page table is written often is walked nested
             from its last level: the shadow levels above it lead straight
             to the guest table's host address, so a miss costs
             (g-1) + 1 + h = 8 references, and its table writes do not trap.
             No CPU offers this walk: the model says what it would cost.
  hybrid-sw  what this hypervisor does on real VMX (paging=hybrid; its
             policy, hv/mmu/hybrid_policy.c): a whole address space
             is shadowed or nested (EPT on or off), chosen at each of its CR3
             loads: a shadowed space that trapped --threshold table writes
             goes nested (its shadow dropped; its writes no longer trap nor
             count); a nested one is shadowed again at the first of its
             loads where none of the tables it wrote was written since its
             previous load (--quiet loads in a row) if it took --misses
             hidden faults per 100 shadowed loads (its TLB-miss cost), or
             after --probe of its loads, its count reset.

Trace lines (# comments): `space ID` (a CR3 load), `ptwrite VA [LEVEL
[TABLE]]` (the guest wrote the level-LEVEL entry, 1 = PTE, that maps VA in
the current space, in the table page TABLE), `miss VA` (a TLB miss at VA),
`workload NAME` (the events up to the next `workload` line are also counted
as workload NAME's; `-` for none: the
replay goes on from the state before it, so a workload is judged as it ran
within the whole trace). hybrid-hw moves a region to nested after
--threshold table writes and back to shadow after --cool misses in it
without one. TRACE may also be a run's serial log with `@hv ptrace` lines (the hypervisor's paging_trace=on under paging=shadow: each CR3 load,
guest page-table write with the address its entry maps, and hidden fault, so
a recorded run's misses are the faults the shadow saw, prefetched ones not
among them; each `@guest bench test=T` line names the events since the
guest's previous line workload T). Usage: walkmodel.py TRACE [--workload T]
[--roots N] [--threshold W] [--cool M] [--probe L] [--quiet Q] [--misses P]
[--trap-cost REFS]."""

import argparse
import sys
from collections import OrderedDict

GUEST_LEVELS = 4
HOST_LEVELS = 4
REGION_SHIFT = 21  # one guest page table maps 2 MiB
PAGE_SHIFT = 12


def nested_refs(g=GUEST_LEVELS, h=HOST_LEVELS):
    """References of a 2D walk: each guest level's table found through EPT, then the data."""
    return (g + 1) * (h + 1) - 1


def agile_refs(nested_levels, g=GUEST_LEVELS, h=HOST_LEVELS):
    """A walk that switches from shadow to nested with NESTED_LEVELS guest levels left."""
    if nested_levels >= g:
        return nested_refs(g, h)
    if nested_levels == 0:
        return g
    return (g - nested_levels) + 1 + (nested_levels - 1) * (h + 1) + h


def parse(lines):
    """The trace's events: (kind, args) tuples."""
    events = []
    for n, line in enumerate(lines, 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        kind, args = words[0], words[1:]
        try:
            if kind == "space" and len(args) == 1:
                events.append(("space", args[0]))
            elif kind == "workload" and len(args) == 1:
                events.append(("workload", None if args[0] == "-" else args[0]))
            elif kind == "miss" and len(args) == 1:
                events.append(("miss", int(args[0], 0)))
            elif kind == "ptwrite" and len(args) in (1, 2, 3):
                level = int(args[1]) if len(args) >= 2 else 1
                if not 1 <= level <= GUEST_LEVELS:
                    raise ValueError(level)
                table = int(args[2], 0) if len(args) == 3 else None
                events.append(("ptwrite", int(args[0], 0), level, table))
            else:
                raise ValueError(kind)
        except ValueError:
            raise ValueError(f"trace line {n}: cannot read {line.strip()!r}") from None
    return events


PTRACE = "@hv ptrace "
GUEST_BENCH = "@guest bench "


def from_log(lines):
    """The trace lines of a serial log's `@hv ptrace` lines (None if it has none); the
    events between the guest's line before a `@guest bench test=T` line and that one
    become workload T."""
    out, start, events = [], 0, 0
    for line in lines:
        if line.startswith("@guest "):
            test = dict(w.split("=", 1) for w in line.split() if "=" in w).get("test")
            if line.startswith(GUEST_BENCH) and test and len(out) > start:
                out.insert(start, f"workload {test}")
                out.append("workload -")
            start = len(out)
            continue
        if not line.startswith(PTRACE):
            continue
        events += 1
        f = dict(w.split("=", 1) for w in line[len(PTRACE):].split())
        if f.get("e") == "space":
            out.append(f"space {f['root']}")
        elif f.get("e") == "ptwrite":
            out.append(f"ptwrite {f['va']} {f['level']} {f['table']}" if "table" in f
                       else f"ptwrite {f['va']} {f['level']}")
        elif f.get("e") == "miss":
            out.append(f"miss {f['va']}")
        else:
            raise ValueError(f"cannot read {line.strip()!r}")
    return out if events else None


def load(lines):
    """The events of a trace file, or of a serial log's recorded trace."""
    lines = list(lines)
    return parse(from_log(lines) or lines)


class Counts:
    FIELDS = ("misses", "refs", "pt_traps", "fill_traps", "cr3_traps")

    def __init__(self):
        self.misses = self.refs = self.pt_traps = self.fill_traps = self.cr3_traps = 0

    def add(self, now, then, sign=1):
        """Adds SIGN x (NOW - THEN), field by field."""
        for f in self.FIELDS:
            setattr(self, f, getattr(self, f) + sign * (getattr(now, f) - getattr(then, f)))

    def copy(self):
        c = Counts()
        c.add(self, Counts())
        return c

    def per_miss(self):
        """Walk references per TLB miss (0 without misses)."""
        return round(self.refs / self.misses, 2) if self.misses else 0

    def traps(self):
        return self.pt_traps + self.fill_traps + self.cr3_traps

    def cost(self, trap_cost):
        return self.refs + trap_cost * self.traps()


class Mover:
    """hybrid-hw: moves regions to nested after THRESHOLD table writes, back to
    shadow after COOL misses without one."""

    def __init__(self, threshold, cool):
        self.threshold, self.cool = threshold, cool
        self.writes, self.quiet, self.nested = {}, {}, set()

    def write(self, key):
        self.quiet[key] = 0
        self.writes[key] = self.writes.get(key, 0) + 1
        if self.writes[key] >= self.threshold:
            self.nested.add(key)

    def miss(self, key):
        """Whether KEY is nested for this miss; it may cool down to shadow after it."""
        nested = key in self.nested
        self.quiet[key] = self.quiet.get(key, 0) + 1
        if nested and self.quiet[key] >= self.cool:
            self.nested.discard(key)
            self.writes[key] = 0
        return nested


class Space:
    """One address space's state in hybrid-sw (hv/mmu/hybrid_policy.h struct hybrid_space)."""

    def __init__(self, quiet):
        self.nested, self.quiet_move = False, False
        self.writes = self.stint_loads = self.quiet_loads = self.misses = self.shadow_loads = 0
        self.quiet_need, self.hot, self.checked = quiet, [], 0


class Spaces:
    """hybrid-sw's choice per address space at each CR3 load, as the hypervisor makes it
    (hv/mmu/hybrid_policy.c hybrid_load): nested at the load after THRESHOLD table writes
    trapped while shadowed; shadowed again at the first load where the tables it wrote
    (its last HOT) were not written since its previous load (QUIET loads in a row,
    doubled after a quiet move that writes answered within TRIAL loads) if it took at
    least MISSES hidden faults per 100 shadowed loads; blind after PROBE loads nested."""

    HOT, TRIAL, QUIET_MAX = 2, 16, 64

    def __init__(self, threshold, probe=0, quiet=4, misses=5):
        self.threshold, self.probe, self.quiet, self.min_misses = threshold, probe, quiet, misses
        self.spaces, self.written, self.clock = {}, {}, 0

    def of(self, space):
        return self.spaces.setdefault(space, Space(self.quiet))

    @property
    def nested(self):
        return {k for k, s in self.spaces.items() if s.nested}

    def write(self, space, table):
        """A write to guest table TABLE while SPACE runs: it traps (and counts, the table
        hot) if SPACE is shadowed; a nested space's check sees it either way."""
        self.clock += 1
        self.written[table] = self.clock
        s = self.of(space)
        if s.nested:
            return
        s.writes += 1
        if table in s.hot:
            return
        s.hot = (s.hot + [table])[-self.HOT:]

    def miss(self, space):
        """A hidden fault (a fill) of shadowed SPACE: its TLB-miss cost."""
        self.of(space).misses += 1

    def load(self, space):
        """A CR3 load of SPACE: its move (None, 'nested', 'quiet' or 'probe')."""
        s = self.of(space)
        s.stint_loads += 1
        if not s.nested:
            if s.writes >= self.threshold:
                if s.quiet_move and s.quiet_need < self.QUIET_MAX:
                    s.quiet_need *= 2
                s.nested, s.quiet_move, s.stint_loads, s.quiet_loads = True, False, 0, 0
                s.checked = self.clock
                return "nested"
            s.shadow_loads += 1
            if s.quiet_move and s.stint_loads >= self.TRIAL:
                s.quiet_move, s.quiet_need = False, self.quiet
            return None
        changed = any(self.written.get(t, 0) > s.checked for t in s.hot)
        s.checked = self.clock
        s.quiet_loads = 0 if changed else s.quiet_loads + 1
        if (s.hot and s.quiet_loads >= s.quiet_need and s.shadow_loads
                and s.misses * 100 >= self.min_misses * s.shadow_loads):
            return self.to_shadow(s, "quiet")
        if self.probe and s.stint_loads > self.probe:
            return self.to_shadow(s, "probe")
        return None

    @staticmethod
    def to_shadow(s, why):
        s.nested, s.quiet_move = False, why == "quiet"
        s.writes, s.hot, s.stint_loads = 0, [], 0
        s.shadow_loads += 1
        return why


class Shadow:
    """The filled shadow entries per address space, LRU-cached by space."""

    def __init__(self, roots):
        self.roots, self.spaces = roots, OrderedDict()

    def switch(self, space):
        if space in self.spaces:
            self.spaces.move_to_end(space)
        else:
            self.spaces[space] = set()
            if len(self.spaces) > self.roots:
                self.spaces.popitem(last=False)

    def fill(self, space, page):
        """True if page had no shadow entry (a hidden fault fills it)."""
        filled = self.spaces[space]
        if page in filled:
            return False
        filled.add(page)
        return True

    def clear(self, space):
        self.spaces[space] = set()

    def drop(self, space, va, level):
        """A write to a level-LEVEL entry drops the shadow entries it covers."""
        span = PAGE_SHIFT + 9 * (level - 1)
        base = va >> span
        self.spaces[space] = {p for p in self.spaces[space] if p >> (span - PAGE_SHIFT) != base}


MODES = ("nested", "shadow", "hybrid-hw", "hybrid-sw")


def replay(events, roots=8, threshold=2, cool=64, workloads=None, probe=0, quiet=4, misses=5):
    """{mode: Counts} for the whole trace; WORKLOADS, a dict if given, receives
    {workload: {mode: Counts}} for the events of each `workload` line."""
    modes = {m: Counts() for m in MODES}
    shadows = {m: Shadow(roots) for m in ("shadow", "hybrid-hw", "hybrid-sw")}
    regions, spaces = Mover(threshold, cool), Spaces(threshold, probe, quiet, misses)
    space, current, then = None, None, None
    for ev in events:
        if ev[0] == "workload":
            if current is not None:
                close_workload(workloads, current, modes, then)
            current, then = ev[1], {m: c.copy() for m, c in modes.items()}
            continue
        if ev[0] == "space":
            space = ev[1]
            for m in ("shadow", "hybrid-hw", "hybrid-sw"):
                modes[m].cr3_traps += 1
                shadows[m].switch(space)
            if spaces.load(space) == "nested":
                shadows["hybrid-sw"].clear(space)  # rebuilt when it is shadowed again
            continue
        if space is None:
            raise ValueError("the trace must start with a 'space' line")
        va = ev[1]
        page, region = va >> PAGE_SHIFT, (space, va >> REGION_SHIFT)
        if ev[0] == "ptwrite":
            level = ev[2]
            modes["shadow"].pt_traps += 1
            shadows["shadow"].drop(space, va, level)
            if level > 1 or region not in regions.nested:
                modes["hybrid-hw"].pt_traps += 1
                shadows["hybrid-hw"].drop(space, va, level)
            if space not in spaces.nested:
                modes["hybrid-sw"].pt_traps += 1
                shadows["hybrid-sw"].drop(space, va, level)
            regions.write(region)
            spaces.write(space, ev[3] if ev[3] is not None else
                         (space, level, va >> (PAGE_SHIFT + 9 * level)))
            continue
        for c in modes.values():
            c.misses += 1
        modes["nested"].refs += nested_refs()
        modes["shadow"].refs += GUEST_LEVELS
        modes["shadow"].fill_traps += shadows["shadow"].fill(space, page)
        if regions.miss(region):
            modes["hybrid-hw"].refs += agile_refs(1)
            shadows["hybrid-hw"].drop(space, va, 1)  # rebuilt when it turns shadow again
        else:
            modes["hybrid-hw"].refs += GUEST_LEVELS
            modes["hybrid-hw"].fill_traps += shadows["hybrid-hw"].fill(space, page)
        if space in spaces.nested:
            modes["hybrid-sw"].refs += nested_refs()
        else:
            modes["hybrid-sw"].refs += GUEST_LEVELS
            if shadows["hybrid-sw"].fill(space, page):
                modes["hybrid-sw"].fill_traps += 1
                spaces.miss(space)
    if current is not None:
        close_workload(workloads, current, modes, then)
    return modes


def close_workload(workloads, name, modes, then):
    """Adds what MODES counted since THEN to workload NAME's counts in WORKLOADS."""
    if workloads is None:
        return
    mine = workloads.setdefault(name, {m: Counts() for m in MODES})
    for m, c in modes.items():
        mine[m].add(c, then[m])


def table(modes, trap_cost):
    """The comparison as a Markdown table."""
    lines = [f"| mode | TLB misses | walk refs | refs/miss | PT-write traps | fill traps | "
             f"CR3 traps | cost (refs + {trap_cost} x traps) |",
             "|---|---|---|---|---|---|---|---|"]
    for name, c in modes.items():
        per = f"{c.per_miss():.2f}" if c.misses else "-"
        lines.append(f"| {name} | {c.misses} | {c.refs} | {per} | {c.pt_traps} | "
                     f"{c.fill_traps} | {c.cr3_traps} | {c.cost(trap_cost)} |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("trace")
    ap.add_argument("--roots", type=int, default=8, help="shadow roots cached (default 8)")
    ap.add_argument("--threshold", type=int, default=2,
                    help="table writes that move a region or space to nested (default 2)")
    ap.add_argument("--cool", type=int, default=64,
                    help="hybrid-hw: misses without a write that move a region back to "
                    "shadow (default 64)")
    ap.add_argument("--probe", type=int, default=0,
                    help="hybrid-sw: a nested space's CR3 loads before it is shadowed "
                    "again anyway (default 0: never, the hypervisor's)")
    ap.add_argument("--quiet", type=int, default=4,
                    help="hybrid-sw: loads in a row with its written tables unchanged before "
                    "a nested space is shadowed again (default 4, the hypervisor's)")
    ap.add_argument("--misses", type=int, default=5,
                    help="hybrid-sw: ... if it took this many hidden faults per 100 "
                    "shadowed loads (default 5, the hypervisor's)")
    ap.add_argument("--workload", metavar="NAME",
                    help="count only workload NAME's events (its `workload` lines), "
                    "replayed within the whole trace")
    ap.add_argument("--trap-cost", type=int, default=100,
                    help="one trap's cost in walk references, for the last column "
                    "(default 100)")
    args = ap.parse_args(argv)
    try:
        with open(args.trace) as f:
            events = load(f)
        workloads = {}
        modes = replay(events, args.roots, args.threshold, args.cool, workloads, args.probe,
                       args.quiet, args.misses)
        if args.workload:
            if args.workload not in workloads:
                raise ValueError(f"no workload {args.workload!r} in the trace "
                                 f"(it has: {', '.join(workloads) or 'none'})")
            modes = workloads[args.workload]
    except (OSError, ValueError) as e:
        print(f"walkmodel: error: {e}", file=sys.stderr)
        return 1
    print(table(modes, args.trap_cost))
    return 0


if __name__ == "__main__":
    sys.exit(main())
