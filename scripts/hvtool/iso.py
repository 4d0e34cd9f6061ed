"""Bootable ISOs: a scenario's kernel, modules and command lines written into
grub/grub.cfg.in and packed with grub-mkrescue. ISOs are cached by content
under BUILD/iso/, so repeated runs of an unchanged scenario reuse them."""

import hashlib
import os
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATE = os.path.join(ROOT, "grub", "grub.cfg.in")


# GRUB's command for each kind of kernel, and the one for its modules.
LOADERS = {"multiboot2": "module2", "multiboot": "module", "linux": "initrd"}


def grub_cfg(name, kernel, kernel_args, modules, loader="multiboot2"):
    """The grub.cfg text; KERNEL and MODULES are paths inside the ISO. LOADER (see
    kernel_loader): for "linux" KERNEL is a bzImage, booted by GRUB's Linux loader with
    MODULES as its initrds; "multiboot" is Multiboot v1, "multiboot2" the default."""
    with open(TEMPLATE) as f:
        text = f.read()
    if loader == "linux":
        if any(args for _, args in modules):
            raise ValueError(f"{name}: a Linux kernel's initrds take no command line")
        mod_lines = f"\tinitrd {' '.join(path for path, _ in modules)}" if modules else ""
    else:
        mod_lines = "\n".join(f"\t{LOADERS[loader]} {path} {args}".rstrip()
                              for path, args in modules)
    return (text.replace("@NAME@", name).replace("@LOADER@", loader)
            .replace("@KERNEL@", kernel).replace("@KERNEL_ARGS@", kernel_args)
            .replace("@MODULES@", mod_lines))


def is_bzimage(path):
    """True if PATH is a Linux bzImage: "HdrS" at 0x202 (the x86 boot protocol)."""
    with open(path, "rb") as f:
        f.seek(0x202)
        return f.read(4) == b"HdrS"


def _has_header(data, magic, align, limit, words):
    """A header whose first WORDS little-endian u32s, MAGIC first, sum to 0 mod 2^32,
    ALIGN-aligned within the first LIMIT bytes (how GRUB finds Multiboot headers)."""
    for off in range(0, min(len(data), limit) - 4 * words + 1, align):
        w = [int.from_bytes(data[off + 4 * i:off + 4 * i + 4], "little") for i in range(words)]
        if w[0] == magic and sum(w) % (1 << 32) == 0:
            return True
    return False


def kernel_loader(path):
    """GRUB's command for the kernel at PATH: "linux" for a bzImage, "multiboot2" when a
    Multiboot2 header is found (GRUB's preference, and the hypervisor's), "multiboot"
    for a Multiboot v1 kernel (spec 3.1.1: magic, flags, checksum in the first 8 KiB)."""
    if is_bzimage(path):
        return "linux"
    with open(path, "rb") as f:
        data = f.read(32768)
    if _has_header(data, 0xE85250D6, 8, 32768, 4):
        return "multiboot2"
    if _has_header(data, 0x1BADB002, 4, 8192, 3):
        return "multiboot"
    raise ValueError(f"{path}: neither a bzImage nor a Multiboot2 or Multiboot v1 kernel")


def _digest(cfg, files):
    h = hashlib.sha256(cfg.encode())
    for path in files:
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:16]


def make_iso(build_dir, name, kernel, kernel_args="", modules=()):
    """Returns the path of an ISO booting KERNEL (build-relative) with MODULES
    ((build-relative path, args), ...); builds it unless cached."""
    files = [os.path.join(build_dir, kernel)] + [os.path.join(build_dir, m) for m, _ in modules]
    for path in files:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path} is not built (run scripts/hv build)")
    iso_paths = _iso_paths(files)
    cfg = grub_cfg(name, iso_paths[0], kernel_args,
                   [(p, args) for p, (_, args) in zip(iso_paths[1:], modules)],
                   loader=kernel_loader(files[0]))
    out_dir = os.path.join(build_dir, "iso")
    os.makedirs(out_dir, exist_ok=True)
    iso = os.path.join(out_dir, f"{name}-{_digest(cfg, files)}.iso")
    if os.path.exists(iso):
        os.utime(iso)  # most recently used: the last to be pruned
        return iso
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        stage = os.path.join(tmp, "root")
        os.makedirs(os.path.join(stage, "boot", "grub"))
        for src, dst in zip(files, iso_paths):
            shutil.copy(src, stage + dst)
        with open(os.path.join(stage, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(cfg)
        tmp_iso = os.path.join(tmp, "out.iso")
        r = subprocess.run(["grub-mkrescue", "-d", "/usr/lib/grub/i386-pc", "-o", tmp_iso, stage],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"grub-mkrescue failed:\n{r.stdout}")
        os.replace(tmp_iso, iso)
    _prune(out_dir, keep=ISO_CACHE_SIZE)
    return iso


def _iso_paths(files):
    """Where FILES go inside the ISO: /boot/<name>, numbered where two names clash."""
    names = [os.path.basename(p) for p in files]
    return [f"/boot/{n}" if names.count(n) == 1 else f"/boot/{i}-{n}"
            for i, n in enumerate(names)]


ISO_CACHE_SIZE = 64  # ISOs kept in build/iso (about 10 MiB each)


def _prune(out_dir, keep):
    """Deletes all but the KEEP most recently used ISOs: every distinct command
    line makes one, so without a bound the cache grows by gigabytes a day."""
    isos = [os.path.join(out_dir, f) for f in os.listdir(out_dir) if f.endswith(".iso")]
    isos.sort(key=lambda p: os.stat(p).st_mtime, reverse=True)
    for old in isos[keep:]:
        try:
            os.unlink(old)
        except FileNotFoundError:
            pass  # another run pruned it first
