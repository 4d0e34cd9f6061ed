#!/usr/bin/env python3
"""Unit tests of the paging tools (issue 9): the page pool's rows and counters
(scripts/hvtool/poolcost.py) and the hybrid-paging walk model
(scripts/hvtool/walkmodel.py) on a trace small enough to count by hand."""

import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts", "hvtool"))
import pagingbench  # noqa: E402
import poolcost    # noqa: E402
import walkmodel   # noqa: E402

POOL_LOG = """\
@guest pooltest base=0xd600000 pages=2048 frames=1024 overhead=7
@guest bench test=pool-first-touch min=2554 median=2554 p99=19844 n=64 exits=64
@guest bench test=pool-mapped-write min=0 median=0 p99=0 n=64 exits=0
@guest bench test=pool-cow-break min=3101 median=3101 p99=3101 n=31 exits=31
@guest bench test=pool-swap-in min=6309 median=6416 p99=7267 n=64 exits=64
@guest bench test=something-else min=1 median=1 p99=1 n=1 exits=0
@hv exit-count vcpu=0 reason=48 name="EPT violation" n=4096 vmrw_avg=3
@hv pool first_touch=2048 swap_in=2016 cow_copy=31
@hv verdict result=pass reason=guest-exit-pass
"""


class PoolCost(unittest.TestCase):
    def test_rows(self):
        rows = poolcost.rows(POOL_LOG)
        self.assertEqual([r["test"] for r in rows], list(poolcost.TESTS))
        first = rows[1]
        self.assertEqual(first, {"test": "pool-first-touch", "config": "hv", "min": 2554,
                                 "median": 2554, "p99": 19844, "n": 64, "exits": 1.0,
                                 "vmrw": 3})
        self.assertNotIn("vmrw", rows[0])  # a mapped store does not exit

    def test_counters_and_table(self):
        self.assertEqual(poolcost.counters(POOL_LOG),
                         {"first_touch": 2048, "swap_in": 2016, "cow_copy": 31})
        self.assertEqual(poolcost.counters("nothing"), {})
        text = poolcost.table(POOL_LOG)
        self.assertIn("| pool-swap-in | 6416 | 6309 | 7267 | 1.0 | 3 |", text)
        self.assertIn("pool: first_touch 2048, swap_in 2016, cow_copy 31", text)


SHADOW_LOG = """\
@guest bench test=ptchurn-ctxsw min=280 median=312 p99=20653 n=256 exits=288
@guest bench test=ptchurn-remap min=16227 median=16242 p99=17030 n=256 exits=1024
@hv shadow mode=shadow nested_loads=0 to_nested=0
@hv shadow active=1 hidden=563 pt_writes=386 cr3_loads=522 hit_rate=98
"""

HYBRID_LOG = """\
@guest bench test=ptchurn-remap min=103 median=103 p99=17079 n=256 exits=544
@hv shadow mode=hybrid nested_loads=261 to_nested=8
@hv shadow active=1 pt_writes=16 cr3_loads=522 hit_rate=96
"""


class PagingBench(unittest.TestCase):
    def test_rows_and_targets(self):
        rows = pagingbench.rows("shadow", SHADOW_LOG) + pagingbench.not_measured("hybrid", "no")
        hybrid = pagingbench.rows("hybrid", HYBRID_LOG)
        self.assertEqual(hybrid[0]["walk_refs_model"], 14.0)  # half the loads nested
        self.assertEqual(pagingbench.targets(rows[:2] + hybrid)[1][1], True)  # 16 <= 38.6
        self.assertEqual(rows[0], {"mode": "shadow", "workload": "ctxsw", "ticks": 312,
                                   "exits": 1.125, "walk_refs_model": 4,
                                   "pt_write_traps": 0, "shadow_cache_hit_rate": 98})
        self.assertEqual(rows[1]["pt_write_traps"], 386)
        self.assertEqual(rows[1]["exits"], 4.0)
        self.assertEqual(pagingbench.targets(rows)[0][1], True)
        text = pagingbench.table(rows)
        self.assertIn("| hybrid | ptchurn | - |", text)
        self.assertIn("98%: met", text)
        nested = pagingbench.rows("nested", "@guest bench test=ptchurn-ctxsw min=1 median=22 "
                                  "p99=2 n=256 exits=0\n")
        self.assertEqual(nested[0]["walk_refs_model"], 24)
        self.assertNotIn("shadow_cache_hit_rate", nested[0])


TINY_TRACE = """\
space 1
miss 0x1000
miss 0x1000        # filled: the shadow walk finds it, no trap
ptwrite 0x1000 1   # traps everywhere but nested; with threshold 1 region/space go nested
miss 0x1000
space 2
miss 0x2000
space 1            # cached root: no refill
miss 0x1000
"""


class WalkModel(unittest.TestCase):
    def test_walk_formulas(self):
        self.assertEqual(walkmodel.nested_refs(), 24)
        self.assertEqual(walkmodel.nested_refs(2, 4), 14)
        self.assertEqual([walkmodel.agile_refs(k) for k in range(5)], [4, 8, 12, 16, 24])

    def test_tiny_trace(self):
        modes = walkmodel.replay(walkmodel.parse(TINY_TRACE.splitlines()), threshold=1)
        got = {m: (c.misses, c.refs, c.pt_traps, c.fill_traps, c.cr3_traps)
               for m, c in modes.items()}
        self.assertEqual(got, {
            "nested": (5, 5 * 24, 0, 0, 0),
            # 4 refs a miss; fills: first 0x1000, 0x1000 after the write, 0x2000
            "shadow": (5, 5 * 4, 1, 3, 3),
            # region 0 of space 1 nested after the write: 8-reference misses, no refill
            "hybrid-hw": (5, 4 + 4 + 8 + 4 + 8, 1, 2, 3),
            # space 1 goes nested at its next CR3 load (the hypervisor's choice is made
            # there): the miss after the write refills, the last one walks 24 references
            "hybrid-sw": (5, 4 + 4 + 4 + 4 + 24, 1, 3, 3),
        })
        self.assertEqual(modes["shadow"].cost(100), 20 + 700)

    def test_cache_eviction_and_cooling(self):
        trace = ["space a", "miss 0x1000", "space b", "miss 0x1000", "space a", "miss 0x1000"]
        shadow = walkmodel.replay(walkmodel.parse(trace), roots=1)["shadow"]
        self.assertEqual(shadow.fill_traps, 3)  # one root cached: a's shadow was evicted
        trace = ["space a", "ptwrite 0x1000", "miss 0x1000", "miss 0x1000", "miss 0x1000"]
        hw = walkmodel.replay(walkmodel.parse(trace), threshold=1, cool=2)["hybrid-hw"]
        self.assertEqual(hw.refs, 8 + 8 + 4)  # nested twice, then shadow again
        self.assertEqual(hw.fill_traps, 1)
        trace = ["space a", "ptwrite 0x1000", "ptwrite 0x1000"] + \
            ["space a", "miss 0x1000"] * 4
        sw = walkmodel.replay(walkmodel.parse(trace), probe=2)["hybrid-sw"]
        # nested at the second load, for 2 more; the 4th load is shadowed again: a refill
        self.assertEqual((sw.refs, sw.pt_traps, sw.fill_traps), (24 * 3 + 4, 2, 1))

    def test_hybrid_sw_quiet_move(self):
        # a takes a miss, writes its table (id 0x5000) twice and goes nested at its next
        # load; at the load after that its table was not written: shadowed again
        trace = ["space a", "miss 0x1000", "ptwrite 0x1000 1 0x5000",
                 "ptwrite 0x1000 1 0x5000", "space a", "miss 0x2000", "space a",
                 "miss 0x3000"]
        sw = walkmodel.replay(walkmodel.parse(trace), quiet=1)["hybrid-sw"]
        self.assertEqual((sw.refs, sw.pt_traps, sw.fill_traps), (4 + 24 + 4, 2, 2))
        # b writing a's table between a's loads keeps a nested (any space's write counts)
        busy = trace[:6] + ["space b", "ptwrite 0x1000 1 0x5000", "space a", "miss 0x3000"]
        sw = walkmodel.replay(walkmodel.parse(busy), quiet=1)["hybrid-sw"]
        self.assertEqual(sw.refs, 4 + 24 + 24)
        # a space that took no misses while shadowed gains nothing: it stays nested
        idle = trace[:1] + trace[2:]
        self.assertEqual(walkmodel.replay(walkmodel.parse(idle), quiet=1)["hybrid-sw"].refs,
                         24 + 24)
        # two quiet loads in a row needed; by default (the hypervisor's) four
        sw = walkmodel.replay(walkmodel.parse(trace + ["space a", "miss 0x4000"]),
                              quiet=2)["hybrid-sw"]
        self.assertEqual(sw.refs, 4 + 24 + 24 + 4)
        sw = walkmodel.replay(walkmodel.parse(trace + ["space a", "miss 0x4000"] * 3))
        self.assertEqual(sw["hybrid-sw"].refs, 4 + 24 * 4 + 4)
        # the blind probe is off by default
        self.assertEqual(walkmodel.replay(walkmodel.parse(idle + ["space a"] * 80 + [
            "miss 0x5000"]))["hybrid-sw"].refs, 24 * 3)

    def test_bad_traces(self):
        for bad in (["miss 0x1000"], ["space a", "ptwrite 0x1000 5"], ["jump 1"]):
            with self.assertRaises(ValueError):
                walkmodel.replay(walkmodel.parse(bad))

    def test_linux_rows(self):
        def log(ticks, extra=""):
            return (f"@hv l2-entry tsc=1000\n@linux userspace cpus=1 tsc={1000 + ticks}\n"
                    f"@hv exits vcpu=0 total=77\n{extra}")
        nested = pagingbench.linux_row("nested", log(500))
        shadow = pagingbench.linux_row("shadow", log(700, "@hv shadow active=1 pt_writes=9 "
                                                       "hit_rate=99 cr3_loads=3\n"))
        self.assertEqual((nested["ticks"], nested["exits"], nested["walk_refs_model"]),
                         (500, 77, 24))
        self.assertEqual((shadow["pt_write_traps"], shadow["shadow_cache_hit_rate"]), (9, 99))
        self.assertEqual(pagingbench.targets([nested, shadow])[-1][1], True)  # 1.4x
        slow = pagingbench.linux_row("shadow", log(800))
        self.assertEqual(pagingbench.targets([nested, slow])[-1][1], False)   # 1.6x
        self.assertIn("skipped", pagingbench.linux_row("hybrid", "no marker"))
        self.assertIsNone(pagingbench.targets([nested])[-1][1])

    def test_recorded_trace(self):
        log = ("hv: paging=shadow: ...\n@hv ptrace e=space root=0x1000\n"
               "@hv ptrace e=miss va=0x400000\n@hv ptrace e=ptwrite va=0x400000 level=1\n"
               "@hv ptrace e=miss va=0x400000\n@hv verdict result=pass\n")
        self.assertEqual(walkmodel.from_log(log.splitlines()),
                         ["space 0x1000", "miss 0x400000", "ptwrite 0x400000 1", "miss 0x400000"])
        self.assertIsNone(walkmodel.from_log(["miss 0x1000"]))
        shadow = walkmodel.replay(walkmodel.load(log.splitlines()))["shadow"]
        self.assertEqual((shadow.misses, shadow.pt_traps, shadow.fill_traps), (2, 1, 2))
        refs = pagingbench.model(log)
        self.assertEqual(list(refs), ["whole"])  # no bench line: no workload of its own
        self.assertEqual((refs["whole"]["nested"], refs["whole"]["shadow"]), (24, 4))
        row = pagingbench.rows("hybrid", "@guest bench test=ptchurn-ctxsw min=1 median=2 "
                               "p99=3 n=4 exits=5\n", refs)[0]
        self.assertEqual(row["walk_refs_model"], refs["whole"]["hybrid-sw"])
        self.assertEqual(row["walk_refs_agile"], refs["whole"]["hybrid-hw"])
        self.assertIsNone(pagingbench.model("no trace here"))

    def test_workloads_of_a_recorded_trace(self):
        """Each bench line names the events since the guest's line before it; they are
        replayed within the whole run, so the space's mode carries over into them."""
        log = ("@hv ptrace e=space root=0x1000\n"
               "@hv ptrace e=ptwrite va=0x400000 level=1\n"
               "@hv ptrace e=ptwrite va=0x400000 level=1\n"
               "@hv ptrace e=miss va=0x400000\n"
               "@guest bench test=ptchurn-remap min=1 median=2 p99=3 n=4 exits=5\n"
               "@guest check name=ptchurn-remap result=pass\n"
               "@hv ptrace e=space root=0x1000\n"
               "@hv ptrace e=miss va=0x401000\n"
               "@hv ptrace e=miss va=0x402000\n"
               "@guest bench test=ptchurn-tlbmiss min=1 median=14 p99=3 n=4 exits=0\n"
               "@guest check name=ptchurn-tlbmiss result=pass\n")
        self.assertEqual(walkmodel.from_log(log.splitlines()),
                         ["workload ptchurn-remap", "space 0x1000", "ptwrite 0x400000 1",
                          "ptwrite 0x400000 1", "miss 0x400000", "workload -",
                          "workload ptchurn-tlbmiss", "space 0x1000", "miss 0x401000",
                          "miss 0x402000", "workload -"])
        workloads = {}
        whole = walkmodel.replay(walkmodel.load(log.splitlines()), workloads=workloads)
        self.assertEqual(whole["shadow"].misses, 3)
        tlb = workloads["ptchurn-tlbmiss"]
        # the second load of the written space runs it nested: both misses walk 24
        self.assertEqual((tlb["hybrid-sw"].misses, tlb["hybrid-sw"].refs), (2, 48))
        self.assertEqual((tlb["shadow"].refs, tlb["shadow"].cr3_traps), (8, 1))
        refs = pagingbench.model(log)
        self.assertEqual(refs["ptchurn-tlbmiss"]["hybrid-sw"], 24)
        self.assertEqual(refs["whole"]["hybrid-sw"], round((4 + 48) / 3, 2))
        rows = {r["workload"]: r for r in pagingbench.rows("hybrid", log, refs)}
        self.assertEqual(rows["tlbmiss"]["walk_refs_model"], 24)  # its own part
        self.assertEqual(rows["ptchurn"]["walk_refs_model"], 17.33)  # the whole run
        shadow = pagingbench.rows("shadow", log, refs)
        judged = pagingbench.targets(shadow + list(rows.values()))[2]
        self.assertEqual(judged[1], False)
        # agile: only the written region walks nested, from its last level
        self.assertIn("24.0 vs 4.0 (agile per-region walk: 8.0)", judged[0])
        with tempfile.NamedTemporaryFile("w", suffix=".log") as f:
            f.write(log)
            f.flush()
            self.assertEqual(walkmodel.main([f.name, "--workload", "ptchurn-tlbmiss"]), 0)
            self.assertEqual(walkmodel.main([f.name, "--workload", "ptchurn-ctxsw"]), 1)

    def test_sample_trace_runs(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                            "hvtool", "traces", "sample.trace")
        with open(path) as f:
            modes = walkmodel.replay(walkmodel.parse(f))
        self.assertLess(modes["hybrid-hw"].pt_traps, modes["shadow"].pt_traps / 10)
        self.assertIn("| hybrid-hw |", walkmodel.table(modes, 100))


if __name__ == "__main__":
    unittest.main()
