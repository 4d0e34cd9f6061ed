#!/usr/bin/env python3
"""Builds the default ISO of every scenario (the `isos` build target), or of
the scenarios named on the command line."""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iso        # noqa: E402
import scenarios  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True, help="the CMake build directory")
    ap.add_argument("--all", action="store_true", help="every scenario")
    ap.add_argument("names", nargs="*", help="scenario names")
    args = ap.parse_args()
    names = list(scenarios.SCENARIOS) if args.all else args.names
    for name in names:
        s = scenarios.get(name)
        path = iso.make_iso(args.build, s.name, s.kernel, s.kernel_args, s.modules)
        print(f"iso: {name}: {os.path.relpath(path, args.build)}")


if __name__ == "__main__":
    main()
