#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test twice: in the normal
# build (build/) and under AddressSanitizer + UndefinedBehaviorSanitizer
# (build-sanitize/). Ends with one line "N passed, M failed" and exits
# non-zero if anything failed. Skipped tests (no nvcc, no GPU) are counted
# and named, never silently dropped.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc 2>/dev/null || echo 2)
status=0

run_suite() { # build-dir [meson setup options...]
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" || return 1
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" || return 1
}

rm -f build.setup.log build-sanitize.setup.log
run_suite build || status=1

# Sanitized run. Test programs are not instrumented but load our
# instrumented libcuda.so.1, so the sanitizer runtimes are preloaded for them
# (the harness passes CUFERRY_TEST_PRELOAD on to the programs it starts).
asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
export CUFERRY_TEST_PRELOAD="$asan:$ubsan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite build-sanitize -Db_sanitize=address,undefined -Db_lundef=false || status=1
unset CUFERRY_TEST_PRELOAD

python3 - <<'PY'
import json, os
passed = failed = skipped = 0
skips = []
for d in ("build", "build-sanitize"):
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        failed += 1
        continue
    for line in open(log):
        t = json.loads(line)
        r = t.get("result")
        if r in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif r == "SKIP":
            skipped += 1
            skips.append(f"{d}: {t['name']}")
        else:
            failed += 1
for s in skips:
    print("skipped:", s)
print(f"{passed} passed, {failed} failed" + (f" ({skipped} skipped)" if skipped else ""))
PY
exit $status
