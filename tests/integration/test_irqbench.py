#!/usr/bin/env python3
"""Unit tests of the interrupt-cost rows (scripts/hvtool/irqbench.py): the rows
the irqtest guest's bench lines give, the skipped posted-interrupt row, and the
issue's targets met, missed or not evaluated."""

import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts", "hvtool"))
import irqbench  # noqa: E402

LOG = """\
@hv vmx-features ept=1 posted_interrupts=0 virtual_intr_delivery=1
@guest bench test=irq-direct cpu=0 min=0 median=0 p99=5 n=200 exits=0
@guest bench test=irq-intercept cpu=1 min=270 median=270 p99=270 n=200 exits=200
@guest bench test=cpuid min=87 median=87 p99=87 n=200 exits=200
"""


class IrqBenchTest(unittest.TestCase):
    def test_rows(self):
        rows = {r["test"]: r for r in irqbench.measure(LOG)}
        self.assertEqual(set(rows), {"irq-direct", "irq-direct-exits", "irq-intercept",
                                     "irq-intercept-exits", "irq-intercept-posted"})
        self.assertEqual(rows["irq-intercept"]["median"], 270)
        self.assertEqual(rows["irq-intercept"]["cpu"], 1)
        self.assertEqual(rows["irq-intercept-exits"]["median"], 1.0)
        self.assertEqual(rows["irq-intercept-exits"]["eoi_exits"], 0.0)
        self.assertEqual(rows["irq-direct-exits"]["median"], 0.0)
        self.assertIn("posted interrupts", rows["irq-intercept-posted"]["skipped"])
        self.assertTrue(all(r["config"] == "hv" for r in rows.values()))

    def test_posted_offered(self):
        log = LOG.replace("posted_interrupts=0", "posted_interrupts=1")
        self.assertNotIn("irq-intercept-posted", {r["test"] for r in irqbench.measure(log)})

    def test_targets(self):
        goals = irqbench.targets(irqbench.measure(LOG), LOG)
        self.assertEqual([g["status"] for g in goals], ["met", "met", "met"])
        # An EOI that exits makes two exits per interrupt on the intercepting CPU.
        log = LOG.replace("exits=200\n@guest bench test=cpuid", "exits=400\n@guest bench test=cpuid")
        goals = irqbench.targets(irqbench.measure(log), log)
        self.assertEqual([g["status"] for g in goals], ["met", "missed", "missed"])
        goals = irqbench.targets([], "")
        self.assertEqual({g["status"] for g in goals}, {"not evaluated"})
        text = "\n".join(irqbench.summary_lines(irqbench.measure(LOG), goals))
        self.assertIn("irq-intercept-exits: 1.0 exits per interrupt", text)

    def test_virtual(self):
        """irq_eoi=virtual's rows come from a second boot; its EOI row decides the EOI
        target."""
        virtual = ("@guest bench test=irq-direct cpu=0 min=0 median=0 p99=5 n=200 exits=0\n"
                   "@guest bench test=irq-intercept-virtual cpu=1 min=5 median=5 p99=5 "
                   "n=200 exits=0\n")
        only = irqbench.measure(virtual, "intercept-virtual")
        self.assertEqual({r["test"] for r in only},
                         {"irq-intercept-virtual", "irq-intercept-virtual-exits"})
        by_id = irqbench.measure("@guest bench test=irq-intercept-virtual-by-id cpu=1 min=600 "
                                 "median=600 p99=605 n=200 exits=400\n", "intercept-virtual")
        self.assertEqual(by_id[1]["eoi_exits"], 0.0)
        rows = irqbench.measure(LOG) + only
        goals = irqbench.targets(rows, LOG)
        self.assertEqual([g["status"] for g in goals], ["met", "met", "met"])
        self.assertIn("irq_eoi=virtual", goals[2]["detail"])
        exiting = only[:1] + [dict(only[1], eoi_exits=1.0)]
        goals = irqbench.targets(irqbench.measure(LOG) + exiting, LOG)
        self.assertEqual(goals[2]["status"], "missed")


if __name__ == "__main__":
    unittest.main()
