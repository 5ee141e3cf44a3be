#!/usr/bin/env python3
"""Which driver entry points a list of look-ups asks for that cuferry's stub
still answers with CUDA_ERROR_NOT_SUPPORTED.

Usage: tools/api_coverage.py [--def FILE] [--all] LOOKUPS
  LOOKUPS  a list like ../shared/reference/cudart13-lookups.txt: one look-up
           a line, the answering symbol in the fifth column ('#' comments)
  --all    also list the families left to later issues on purpose (graphs,
           IPC, external memory and semaphores, graphics interop)

Prints the count of distinct symbols, how many are not implemented, and the
names outside the excluded families. Implemented means a row, alias or
export of cuda_api.def, or a _ptsz/_ptds form a row asks for, or one of the
per-thread forms written by hand in client/. Standard library only.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "gen"))
import gen_api  # noqa: E402

HAND_WRITTEN = {"cuLaunchHostFunc_ptsz", "cuStreamAddCallback_ptsz",
                "cuLaunchKernelEx_ptsz", "cuLaunchCooperativeKernel_ptsz"}
EXCLUDED = re.compile(r"GL|EGL|VDPAU|Ipc|External|Graph|Semaphore|Graphics|UserObject|Capture")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--def", dest="deffile",
                    default=os.path.join(here, "..", "protocol", "api", "cuda_api.def"))
    ap.add_argument("--all", action="store_true")
    ap.add_argument("lookups")
    a = ap.parse_args()
    rows, aliases, handwritten = gen_api.parse_def(a.deffile)
    have = ({r.name for r in rows if r.form in ("rpc", "local")} | {n for n, _ in aliases} |
            set(handwritten) | set(gen_api.per_thread_names(rows)) | HAND_WRITTEN)
    wanted = set()
    with open(a.lookups, encoding="utf-8") as f:
        for line in f:
            cols = line.split()
            if len(cols) >= 5 and not line.startswith("#"):
                wanted.add(cols[4])
    missing = sorted(wanted - have)
    shown = missing if a.all else [m for m in missing if not EXCLUDED.search(m)]
    print(f"{len(wanted)} symbols asked for, {len(missing)} not implemented, "
          f"{len(shown)} listed{'' if a.all else ' (graphs, capture, IPC, external memory, interop left out)'}")
    for m in shown:
        print(m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
