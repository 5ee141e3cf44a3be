#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test twice: in the normal
# build (build/) and under AddressSanitizer + UndefinedBehaviorSanitizer
# (build-sanitize/); then each libFuzzer target for 20 s (scripts/fuzz.sh,
# build-fuzz/). Ends with one line "N passed, M failed" and exits
# non-zero if anything failed. Skipped tests (no nvcc, no GPU) are counted
# and named, never silently dropped.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

jobs=$(nproc 2>/dev/null || echo 2)
status=0

run_suite() { # build-dir "meson test options" [meson setup options...]
  local dir=$1 test_opts=$2; shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  ninja -C "$dir" || return 1
  # shellcheck disable=SC2086  # test_opts is a list of words
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" $test_opts || return 1
}

rm -f build.setup.log build-sanitize.setup.log
# Every suite, the rdma one too (tests/rdma/: real verbs in a QEMU guest;
# CUFERRY_SKIP_RDMA_VM=1 skips it where no guest can boot, and it is then
# reported as skipped below).
run_suite build "" || status=1

# Sanitized run. Test programs are not instrumented but load our
# instrumented libcuda.so.1, so the sanitizer runtimes are preloaded for them
# (the harness passes CUFERRY_TEST_PRELOAD on to the programs it starts).
asan=$(gcc -print-file-name=libasan.so)
ubsan=$(gcc -print-file-name=libubsan.so)
export CUFERRY_TEST_PRELOAD="$asan:$ubsan"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Of the rdma suite, the transport's own programs (echo, direct, join: the
# verbs data path) run sanitized in the guest too; the guest check and the
# whole chain (suite rdma_system, the slowest) run once, above.
run_suite build-sanitize "--no-suite rdma_system" -Db_sanitize=address,undefined -Db_lundef=false ||
  status=1
unset CUFERRY_TEST_PRELOAD

# The libFuzzer targets (clang; build-fuzz/), 20 s each on a scratch copy of
# their seeds: each is one test in the summary. Without clang that is a
# failure, not a skip: the fuzzing would silently stop.
fuzz_results=$(mktemp)
export CUFERRY_FUZZ_RESULTS=$fuzz_results
if command -v clang >/dev/null 2>&1; then
  scripts/fuzz.sh all 20 | tee "$fuzz_results"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
  echo "fuzz: clang is not installed, so the libFuzzer targets cannot run " \
       "(apt-get install clang)" | tee "$fuzz_results"
  status=1
fi

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
# scripts/fuzz.sh prints "fuzz NAME: N execs, ok" (or FOUND ...) per target.
fuzz_lines = [l for l in open(os.environ["CUFERRY_FUZZ_RESULTS"])
              if l.startswith("fuzz ") and " execs, " in l]
for l in fuzz_lines:
    if l.rstrip().endswith(", ok"):
        passed += 1
    else:
        failed += 1
if not fuzz_lines:
    print("fuzz: the libFuzzer targets did not run")
    failed += 1
for s in skips:
    print("skipped:", s)
print(f"{passed} passed, {failed} failed" + (f" ({skipped} skipped)" if skipped else ""))
PY
rm -f "$fuzz_results"
exit $status
