#!/usr/bin/env python3
"""Writes the seed corpora of the host fuzzers (tests/fuzz/corpus/<target>/seed-*):
a few small, valid inputs per parser, so the fuzzer starts past the magic
numbers. Run it again after changing a seed; crash inputs kept as regression
cases (crash-*, named by libFuzzer) are left alone."""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def mb2_tag(ttype, payload):
    body = struct.pack("<II", ttype, 8 + len(payload)) + payload
    return body + b"\0" * (-len(body) % 8)


def multiboot2(cmdline, modules=(), rsdp=None):
    """A Multiboot2 information structure as GRUB writes it."""
    tags = mb2_tag(1, cmdline + b"\0") + mb2_tag(2, b"GRUB 2.06\0")
    tags += mb2_tag(4, struct.pack("<II", 639, 261120))
    mmap = [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xf0000, 0x10000, 2),
            (0x100000, 0xfef0000, 1), (0xfffc0000, 0x40000, 2)]
    tags += mb2_tag(6, struct.pack("<II", 24, 0) +
                    b"".join(struct.pack("<QQII", b, n, t, 0) for b, n, t in mmap))
    for start, end, line in modules:
        tags += mb2_tag(3, struct.pack("<II", start, end) + line + b"\0")
    if rsdp:
        tags += mb2_tag(14, rsdp)
    tags += mb2_tag(21, struct.pack("<I", 0x200000))
    tags += struct.pack("<II", 0, 8)
    return struct.pack("<II", 8 + len(tags), 0) + tags


def bzimage(kernel_len=4096):
    """A 64-bit relocatable bzImage of protocol 2.15, like Debian's, with a tiny kernel."""
    img = bytearray(b"\x90" * (5 * 512 + kernel_len))
    img[0x1f1:0x26c] = bytes(0x26c - 0x1f1)

    def put(off, fmt, v):
        struct.pack_into("<" + fmt, img, off, v)
    put(0x1f1, "B", 4)
    put(0x1f4, "I", kernel_len // 16)
    put(0x1fe, "H", 0xaa55)
    put(0x200, "H", 0x6aeb)        # jmp over the header to 0x26c
    img[0x202:0x206] = b"HdrS"
    put(0x206, "H", 0x020f)
    put(0x211, "B", 1)             # LOADED_HIGH
    put(0x214, "I", 0x100000)
    put(0x22c, "I", 0x7fffffff)    # initrd_addr_max
    put(0x230, "I", 0x200000)      # kernel_alignment
    put(0x234, "B", 1)             # relocatable
    put(0x236, "H", 3)             # XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
    put(0x238, "I", 2047)
    put(0x258, "Q", 0x1000000)     # pref_address
    put(0x260, "I", 0x3378000)     # init_size
    return bytes(img)


def elf64(segments, entry, mb2_header=True):
    """An ET_EXEC x86-64 ELF with one PT_LOAD per (vaddr, data, memsz, flags)."""
    ehsize, phsize = 64, 56
    off = ehsize + phsize * len(segments)
    phdrs, body = b"", b""
    for vaddr, data, memsz, flags in segments:
        phdrs += struct.pack("<IIQQQQQQ", 1, flags, off + len(body), vaddr, vaddr,
                             len(data), memsz, 0x1000)
        body += data
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, ehsize, 0, 0, ehsize,
                             phsize, len(segments), 64, 0, 0)
    return eh + phdrs + body


def mb1_header(flags, kludge=()):
    """A Multiboot v1 header (magic, flags, checksum), then the a.out-kludge fields."""
    return struct.pack("<III", 0x1badb002, flags, (-(0x1badb002 + flags)) & 0xffffffff) + \
        b"".join(struct.pack("<I", v) for v in kludge)


def elf32(segments, entry):
    """An ET_EXEC i386 ELF with one PT_LOAD per (paddr, data, memsz, flags)."""
    ehsize, phsize = 52, 32
    off = ehsize + phsize * len(segments)
    phdrs, body = b"", b""
    for paddr, data, memsz, flags in segments:
        phdrs += struct.pack("<IIIIIIII", 1, off + len(body), paddr, paddr, len(data), memsz,
                             flags, 0x1000)
        body += data
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    eh = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, entry, ehsize, 0, 0, ehsize, phsize,
                             len(segments), 40, 0, 0)
    return eh + phdrs + body


def mb2_header():
    """A Multiboot2 header (magic, arch 0, length, checksum, end tag)."""
    length = 24
    return struct.pack("<IIIIII", 0xe85250d6, 0, length,
                       (-(0xe85250d6 + length)) & 0xffffffff, 0, 8)


def with_sum(data, at, n=None):
    """DATA with byte AT set so that its first N bytes (all) sum to zero."""
    b = bytearray(data)
    b[at] = (-sum(b[:n]) + b[at]) & 0xff
    return bytes(b)


def mb1_header(flags, addrs=()):
    """A Multiboot v1 header: magic, flags, checksum, then the a.out-kludge addresses."""
    magic = 0x1badb002
    return struct.pack("<III", magic, flags, -(magic + flags) & 0xffffffff) + \
        struct.pack(f"<{len(addrs)}I", *addrs)


def sdt(sig, body, rev=1):
    """An ACPI table: header (checksum set) + body."""
    t = sig + struct.pack("<IBB6s8sI4sI", 36 + len(body), rev, 0, b"BOCHS ", b"BXPC    ",
                          1, b"BXPC", 1) + body
    return with_sum(t, 9)


def madt():
    entries = b"".join(struct.pack("<BBBBI", 0, 8, i, i, 1) for i in range(2))
    entries += struct.pack("<BBBBII", 1, 12, 2, 0, 0xfec00000, 0)
    entries += struct.pack("<BBBBIH", 2, 10, 0, 0, 2, 0)
    entries += struct.pack("<BBHQ", 5, 12, 0, 0xfee00000)
    return sdt(b"APIC", struct.pack("<II", 0xfee00000, 1) + entries, rev=3)


def fadt():
    body = bytearray(244 - 36)
    struct.pack_into("<I", body, 64 - 36, 0xb004)       # PM1a_CNT_BLK
    body[89 - 36] = 2                                    # PM1_CNT_LEN
    struct.pack_into("<I", body, 112 - 36, 1 << 10)     # Flags: RESET_REG_SUP
    body[116 - 36:128 - 36] = struct.pack("<BBBBQ", 1, 8, 0, 1, 0xcf9)
    body[128 - 36] = 6                                   # RESET_VALUE
    return sdt(b"FACP", bytes(body), rev=3)


def acpi_memory(xsdt):
    """Mode-0 input: byte 0 = 0, then memory from 0: RSDP, root, MADT, FADT."""
    m, f = madt(), fadt()
    madt_at, fadt_at = 0x100, 0x100 + len(m)
    if xsdt:
        root = sdt(b"XSDT", struct.pack("<QQ", madt_at, fadt_at))
        rsdp = b"RSD PTR " + struct.pack("<B6sBIIQB3s", 0, b"BOCHS ", 2, 0, 36, 0x40, 0,
                                         bytes(3))
    else:
        root = sdt(b"RSDT", struct.pack("<II", madt_at, fadt_at))
        rsdp = b"RSD PTR " + struct.pack("<B6sBI", 0, b"BOCHS ", 0, 0x40) + bytes(16)
    rsdp = with_sum(with_sum(rsdp, 8, 20), 32)
    mem = bytearray(fadt_at + len(f))
    mem[0:len(rsdp)] = rsdp
    mem[0x40:0x40 + len(root)] = root
    mem[madt_at:madt_at + len(m)] = m
    mem[fadt_at:fadt_at + len(f)] = f
    return b"\0" + bytes(mem)


SEEDS = {
    "multiboot2": {
        "seed-minimal": multiboot2(b""),
        "seed-options": multiboot2(b"log=debug hvmem=64 exc_intercept=3,6",
                                   [(0x800000, 0x900000, b"greeting=l2")]),
        "seed-linux": multiboot2(b"", [(0x800000, 0x1600000, b"console=ttyS0 quiet"),
                                       (0x1600000, 0x1700000, b"")],
                                 rsdp=b"RSD PTR \0BOCHS \0\0\0\xf0\x0f"),
    },
    "bzimage": {"seed-2.15": bzimage()},
    "elf64": {
        "seed-guest": elf64([(0x100000, mb2_header() + b"\xf4" * 64, 0x2000, 5),
                             (0x102000, b"data", 0x1000, 6)], 0x100000 + 24),
        "seed-one": elf64([(0x200000, b"\xcc" * 16, 16, 5)], 0x200000),
    },
    "multiboot1": {
        "seed-elf": elf64([(0x100000, mb1_header(3) + b"\xf4" * 64, 0x2000, 5)], 0x10000c),
        "seed-elf32": elf32([(0x100000, mb1_header(3) + b"\xf4" * 64, 0x2000, 5),
                             (0x102000, b"data", 0x1000, 6)], 0x100000 + 12),
        # header at file offset 0 = 1 MiB, 0x100 bytes of file, bss to 0x102000
        "seed-kludge": mb1_header(0x10003, (0x100000, 0x100000, 0x100100, 0x102000,
                                            0x100020)) + b"\xf4" * (0x100 - 32),
    },
    "cmdline": {
        "seed-empty": b"",
        "seed-options": b"log=debug selftest=off hvmem=64 exc_intercept=3,6 launch=vmx",
        "seed-errors": b'no_such=1 log=loud hvmem=1 hvmem=2 exc_intercept=99 "unterminated',
        "seed-inject": b"inject=pf log=warn selftest=on exc_intercept=none",
    },
    "acpi": {
        "seed-rsdt": acpi_memory(xsdt=False),
        "seed-xsdt": acpi_memory(xsdt=True),
        "seed-madt": b"\x01" + madt(),
        "seed-fadt": b"\x02" + fadt(),
    },
    # Byte 0: the environment (fuzz_entry_checks.c); then (field index, value) records.
    "entry_checks": {
        "seed-valid": b"\x02",
        "seed-l0-caps-link": b"\x23",
        "seed-no-lma": b"\x0a",
        "seed-zeros": b"\x12",
        "seed-xor": b"\x02" + struct.pack("<HQ", 0x8000 | 40, 1 << 13) +
                    struct.pack("<HQ", 90, 0x80000b0e),
    },
}


def main():
    for target, seeds in SEEDS.items():
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        print(f"{target}: {len(seeds)} seeds in {os.path.relpath(d)}")


if __name__ == "__main__":
    main()
