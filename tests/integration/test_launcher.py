#!/usr/bin/env python3
"""Unit tests of the launcher's pure parts: serial-log parsing and verdicts,
scenario lookup and command-line merging, the L0 choice, grub.cfg text."""

import os
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts", "hvtool"))
import iso         # noqa: E402
import l0          # noqa: E402
import scenarios   # noqa: E402
import serial_log  # noqa: E402


class SerialLogTest(unittest.TestCase):
    def test_machine_line_fields(self):
        src, kind, f = serial_log.parse_mline('@hv boot loader="GRUB 2.06" modules=2 flag')
        self.assertEqual((src, kind), ("hv", "boot"))
        self.assertEqual(f, {"loader": "GRUB 2.06", "modules": "2", "flag": True})

    def test_escapes_and_carriage_returns_are_stripped(self):
        parsed = serial_log.parse_mline("\x1b[H\x1b[J\x1b[1;1H@hv verdict result=pass\r")
        self.assertEqual(parsed, ("hv", "verdict", {"result": "pass"}))

    def test_unbalanced_quote_does_not_raise(self):
        _, _, f = serial_log.parse_mline('@hv panic kind=software msg="cut')
        self.assertEqual(f["kind"], "software")

    def test_human_lines_are_not_machine_lines(self):
        for line in ["hv: @hv verdict result=pass", "", "@", "@HV verdict", "@hv"]:
            self.assertIsNone(serial_log.parse_mline(line), line)

    def test_verdict_takes_first_verdict_and_panic(self):
        v = serial_log.Verdict()
        self.assertFalse(v.done)
        for line in ["hv: hello", "@hv panic kind=exception vector=14",
                     "@hv verdict result=fail reason=panic", "@hv verdict result=pass"]:
            v.feed(line)
        self.assertTrue(v.done)
        self.assertEqual((v.result, v.reason, v.source), ("fail", "panic", "hv"))
        self.assertEqual(v.panic["vector"], "14")

    def test_only_the_booted_kernel_gives_the_verdict(self):
        v = serial_log.Verdict("hv")
        v.feed("@guest verdict result=pass reason=guest-main")
        self.assertFalse(v.done)
        v.feed("@hv verdict result=fail reason=guest-exit-fail")
        self.assertEqual((v.result, v.reason), ("fail", "guest-exit-fail"))
        native = serial_log.Verdict("guest")
        native.feed("@guest verdict result=pass reason=guest-main")
        self.assertEqual(native.result, "pass")

    def test_debug_exit_code_on_the_verdict_and_from_the_l0(self):
        v = serial_log.Verdict("hv")
        v.feed("@hv verdict result=fail reason=guest-exit-fail code=5 qemu_status=11")
        self.assertEqual((v.code, v.qemu_status), (5, 11))
        v.debug_exit(0)  # only a run judged by the L0 takes it
        self.assertEqual((v.result, v.code), ("fail", 5))
        plain = serial_log.Verdict("hv")
        plain.feed("@hv verdict result=pass reason=boot-complete")
        self.assertIsNone(plain.qemu_status)
        native = serial_log.Verdict("l0")
        native.feed("@guest verdict result=pass reason=guest-main")  # not the judge
        self.assertFalse(native.done)
        native.debug_exit(3)
        self.assertEqual((native.result, native.reason, native.qemu_status),
                         ("fail", "guest-exit-fail", 7))
        native.debug_exit(0)  # the first write decides
        self.assertEqual(native.code, 3)

    def test_bochs_unmapped_port_log_gives_the_code(self):
        import tempfile
        import runner
        v = serial_log.Verdict("l0")
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("00000001i[UNMP  ] unmapped: 8-bit write to 00f5 = 01\n"
                    "00000002i[UNMP  ] unmapped: 32-bit write to 00f4 = 0000")
        self.addCleanup(os.unlink, f.name)
        w = runner._BochsDebugExit(f.name, v)
        w.poll()
        self.assertFalse(v.done)  # the line is not whole yet
        with open(f.name, "a") as g:
            g.write("000c\n")
        w.poll()
        self.assertEqual((v.result, v.code), ("fail", 12))

    def test_mlines_filters(self):
        log = "@hv a x=1\n@guest a x=2\n@hv b x=3\n"
        self.assertEqual([f["x"] for _, _, f in serial_log.mlines(log, kind="a")], ["1", "2"])
        self.assertEqual([f["x"] for _, _, f in serial_log.mlines(log, src="hv")], ["1", "3"])


class ScenarioTest(unittest.TestCase):
    def test_default_exists_and_unknown_is_reported(self):
        self.assertIn(scenarios.DEFAULT, scenarios.SCENARIOS)
        with self.assertRaises(KeyError) as cm:
            scenarios.get("nope")
        self.assertIn("known:", cm.exception.args[0])

    def test_expected_failures_name_their_reason(self):
        for s in scenarios.SCENARIOS.values():
            self.assertIn(s.expect, ("pass", "fail"))
            self.assertEqual(s.expect == "fail", bool(s.expect_reason), s.name)

    def test_kernel_scenario_under_the_hypervisor_and_natively(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            k, m = os.path.join(d, "k.elf"), os.path.join(d, "m.bin")
            for p in (k, m):
                open(p, "w").close()
            hv = scenarios.kernel_scenario(k, [f"{m} a=1 b"], "exit=2")
            self.assertEqual(hv.kernel, scenarios.HV)
            self.assertEqual(hv.modules, ((k, "exit=2"), (m, "a=1 b")))
            self.assertEqual(hv.verdict_source, "")
            native = scenarios.kernel_scenario(k, [m], "exit=2", native=True)
            self.assertEqual((native.kernel, native.kernel_args, native.modules),
                             (k, "exit=2", ((m, ""),)))
            self.assertEqual(native.verdict_source, "l0")
            with self.assertRaises(FileNotFoundError):
                scenarios.kernel_scenario(os.path.join(d, "none"))

    def test_merge_args_replaces_same_named_options(self):
        self.assertEqual(scenarios.merge_args("inject=pf log=info", "inject=ud"),
                         "log=info inject=ud")
        self.assertEqual(scenarios.merge_args("", "a=1 b"), "a=1 b")
        self.assertEqual(scenarios.merge_args("a=1 b", ""), "a=1 b")
        self.assertEqual(scenarios.merge_args("b a=1", "b=off"), "a=1 b=off")


class KernelRunArgsTest(unittest.TestCase):
    def test_bad_mixes_are_refused(self):
        import cli
        for argv in (["run", "--no-hv"], ["run", "--append", "x"], ["run", "--module", "m"],
                     ["run", "hello", "--kernel", __file__],
                     ["run", "--kernel", __file__, "--no-hv", "--hv", "log=debug"]):
            with self.assertRaises(ValueError, msg=argv):
                cli.kernel_run(cli.parser().parse_args(argv))
        self.assertIsNone(cli.kernel_run(cli.parser().parse_args(["run", "hello"])))
        s = cli.kernel_run(cli.parser().parse_args(["run", "--kernel", __file__, "--no-hv"]))
        self.assertEqual(s.verdict_source, "l0")

    def test_tcg_runs_only_kernels_without_the_hypervisor(self):
        import cli
        with mock.patch.object(l0.shutil, "which", return_value="/usr/bin/qemu-system-x86_64"):
            with self.assertRaises(ValueError):
                cli.run_scenario("hello", l0_req="tcg", build_dir="/nonexistent")


class L0Test(unittest.TestCase):
    def test_auto_picks_bochs_without_vmx(self):
        with mock.patch.object(l0, "host_has_kvm_vmx", return_value=False):
            self.assertEqual(l0.choose("auto"), "bochs")
            self.assertEqual(l0.choose("bochs"), "bochs")
            with self.assertRaises(ValueError):
                l0.choose("kvm")

    def test_auto_picks_kvm_with_vmx_and_qemu(self):
        with mock.patch.object(l0, "host_has_kvm_vmx", return_value=True), \
                mock.patch.object(l0.shutil, "which", return_value="/usr/bin/qemu-system-x86_64"):
            self.assertEqual(l0.choose("auto"), "kvm")

    def test_qemu_command_has_kvm_vmx_and_debug_exit(self):
        cmd = " ".join(l0.qemu_command("x.iso", 512, 2))
        for part in ["-enable-kvm", "-cpu host,+vmx", "-m 512", "-smp 2", "-serial stdio",
                     "isa-debug-exit,iobase=0xf4"]:
            self.assertIn(part, cmd)

    def test_qemu_kernel_command_is_qemus_own_loader(self):
        boot = l0.KernelBoot("/k.elf", "exit=3", (("/m1", "a,b"), ("/m2", "")))
        cmd = l0.qemu_kernel_command(boot, 256, 2)
        self.assertEqual(cmd[cmd.index("-kernel") + 1], "/k.elf")
        self.assertEqual(cmd[cmd.index("-append") + 1], "exit=3")
        self.assertEqual(cmd[cmd.index("-initrd") + 1], "/m1 a,,b,/m2")
        joined = " ".join(cmd)
        for part in ["-accel tcg", "-m 256", "-smp 2", "isa-debug-exit,iobase=0xf4"]:
            self.assertIn(part, joined)
        self.assertNotIn("-enable-kvm", joined)
        self.assertNotIn("-append", l0.qemu_kernel_command(l0.KernelBoot("/k"), 64, 1))

    def test_console_serial_goes_to_a_tcp_server(self):
        import tempfile
        cmd = " ".join(l0.qemu_command("x.iso", 512, 1, console_port=4567))
        self.assertIn("-serial tcp:localhost:4567,server=on,wait=on", cmd)
        with tempfile.TemporaryDirectory() as d:
            l0.bochs_files(d, "/x.iso", 64, 1, None, console_port=4567)
            cfg = open(os.path.join(d, "bochsrc")).read()
        self.assertIn("com1: enabled=1, mode=socket-server, dev=localhost:4567", cfg)

    def test_bochs_config(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            cmd = l0.bochs_files(d, "/x.iso", 64, 2, "/s.log")
            cfg = open(os.path.join(d, "bochsrc")).read()
            self.assertEqual(open(os.path.join(d, "bochs.rc")).read(), "c\nquit\n")
        self.assertIn("-rc", cmd)
        for part in ["clock: sync=none", "count=2", "guest=64", "mode=file, dev=/s.log",
                     "path=/x.iso", "reset_on_triple_fault=0"]:
            self.assertIn(part, cfg)


class GrubCfgTest(unittest.TestCase):
    def test_template_filled(self):
        cfg = iso.grub_cfg("t", "/boot/hv.elf", "log=debug", [("/boot/g.elf", "x=1"),
                                                              ("/boot/h.elf", "")])
        self.assertIn("multiboot2 /boot/hv.elf log=debug", cfg)
        self.assertIn("\tmodule2 /boot/g.elf x=1\n\tmodule2 /boot/h.elf\n", cfg)
        self.assertNotRegex(cfg, r"@[A-Z_]+@")

    def test_linux_kernel_uses_grubs_linux_loader(self):
        cfg = iso.grub_cfg("l", "/boot/vmlinuz", "console=ttyS0", [("/boot/initrd.gz", "")],
                           loader="linux")
        self.assertIn("\tlinux /boot/vmlinuz console=ttyS0", cfg)
        self.assertIn("\tinitrd /boot/initrd.gz", cfg)
        self.assertNotIn("\tmultiboot2", cfg)
        self.assertNotIn("\tmodule2", cfg)
        with self.assertRaises(ValueError):
            iso.grub_cfg("l", "/boot/vmlinuz", "", [("/boot/initrd.gz", "x=1")], loader="linux")

    def test_multiboot_v1_kernel_uses_grubs_multiboot_loader(self):
        cfg = iso.grub_cfg("k", "/boot/k.elf", "exit=3", [("/boot/m", "a b")],
                           loader="multiboot")
        self.assertIn("\tmultiboot /boot/k.elf exit=3", cfg)
        self.assertIn("\tmodule /boot/m a b", cfg)
        self.assertNotIn("\tmultiboot2", cfg)
        self.assertNotIn("\tmodule2", cfg)

    def test_kernel_loader_finds_each_header(self):
        import struct
        import tempfile

        def kernel(offset, *words):
            data = bytearray(16384)
            data[offset:offset + 4 * len(words)] = struct.pack(f"<{len(words)}I", *words)
            f = tempfile.NamedTemporaryFile(delete=False)
            f.write(data)
            f.close()
            self.addCleanup(os.unlink, f.name)
            return f.name

        mb1 = (0x1BADB002, 3, (-(0x1BADB002 + 3)) % (1 << 32))
        self.assertEqual(iso.kernel_loader(kernel(0x1000, *mb1)), "multiboot")
        self.assertEqual(iso.kernel_loader(kernel(0x1ff4, *mb1)), "multiboot")
        with self.assertRaises(ValueError):  # past the first 8 KiB
            iso.kernel_loader(kernel(0x2000, *mb1))
        with self.assertRaises(ValueError):  # bad checksum
            iso.kernel_loader(kernel(0x1000, 0x1BADB002, 3, 0))
        mb2 = (0xE85250D6, 0, 24, (-(0xE85250D6 + 24)) % (1 << 32))
        self.assertEqual(iso.kernel_loader(kernel(0x1008, *mb2)), "multiboot2")

    def test_clashing_names_are_numbered(self):
        self.assertEqual(iso._iso_paths(["a/k", "b/k", "c/m"]),
                         ["/boot/0-k", "/boot/1-k", "/boot/m"])


class IsoCacheTest(unittest.TestCase):
    def test_prune_keeps_the_most_recently_used(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            for i in range(5):
                path = os.path.join(d, f"s-{i}.iso")
                open(path, "w").close()
                os.utime(path, (1000 + i, 1000 + i))
            open(os.path.join(d, "notes.txt"), "w").close()
            iso._prune(d, keep=2)
            self.assertEqual(sorted(os.listdir(d)), ["notes.txt", "s-3.iso", "s-4.iso"])


if __name__ == "__main__":
    unittest.main()
