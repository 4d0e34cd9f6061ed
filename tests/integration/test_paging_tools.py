#!/usr/bin/env python3
"""Unit tests of the paging tools (issue 9): the page pool's rows and counters
(scripts/hvtool/poolcost.py)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts", "hvtool"))
import poolcost    # noqa: E402

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


if __name__ == "__main__":
    unittest.main()
