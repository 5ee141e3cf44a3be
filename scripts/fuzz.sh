#!/usr/bin/env bash
# Runs the libFuzzer targets: scripts/fuzz.sh TARGET|all SECONDS
#
# Sets up the clang build with -Dfuzz=true (build-fuzz/, or
# $CUFERRY_FUZZ_BUILD) if it is missing, builds the fuzz targets, and runs
# each chosen one for SECONDS on a scratch copy of its seed corpus (new
# corpus files never land in the checkout). Prints one line per target:
# name, executions, and ok or what it found with the reproducer's path
# (rerun it with: BUILD/PROGRAM REPRODUCER). Exits 1 if any target found
# something or failed to run, 2 on bad arguments.
#
# Environment: CUFERRY_FUZZ_BUILD (build folder), CUFERRY_FUZZ_JOBS (ninja
# -j, default: all cores), CUFERRY_FUZZ_KEEP=1 (keep the scratch folders).
set -uo pipefail
cd "$(dirname "$0")/.." && root=$(pwd) || exit 1

# name  program (in the build folder)  corpus  max_len  libFuzzer extras
targets=(
  "frame     tests/unit/protocol/fuzz_frame      tests/unit/protocol/corpus          4096"
  "messages  tests/unit/protocol/fuzz_messages   tests/unit/protocol/corpus-messages 4096"
  "handshake tests/unit/server/fuzz_handshake    tests/unit/server/corpus/handshake  8192"
  "config    tests/unit/server/fuzz_config       tests/unit/server/corpus/config     8192"
  "ptx       tests/unit/ptx/fuzz_ptx_load        tests/unit/ptx/corpus               65536"
  "fatbin    tests/unit/emu/fuzz_emu_fatbin      tests/unit/emu/corpus/fatbin        65536 -close_fd_mask=2"
  "link      tests/unit/emu/fuzz_emu_link        tests/unit/emu/corpus/link          65536 -close_fd_mask=2"
)
names=$(for t in "${targets[@]}"; do set -- $t; printf '%s ' "$1"; done)

usage() {
  echo "usage: $0 TARGET|all SECONDS" >&2
  echo "  TARGET: one of ${names% }" >&2
  exit 2
}

[ $# -eq 2 ] || usage
want=$1 secs=$2
[[ $secs =~ ^[1-9][0-9]*$ ]] || usage
chosen=()
for t in "${targets[@]}"; do
  set -- $t
  if [ "$want" = all ] || [ "$want" = "$1" ]; then
    chosen+=("$t")
  fi
done
[ ${#chosen[@]} -gt 0 ] || usage

build=${CUFERRY_FUZZ_BUILD:-build-fuzz}
jobs=${CUFERRY_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}

if [ ! -f "$build/build.ninja" ]; then
  if ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is not installed (libFuzzer needs it)" >&2
    exit 1
  fi
  rm -rf "$build"
  if ! CC=clang meson setup "$build" -Dfuzz=true >"$build.setup.log" 2>&1; then
    cat "$build.setup.log" >&2
    echo "fuzz.sh: cannot set up $build (clang with libFuzzer: libclang-rt-dev)" >&2
    rm -rf "$build"
    exit 1
  fi
  rm -f "$build.setup.log"
fi
programs=()
for t in "${chosen[@]}"; do
  set -- $t
  programs+=("$2")
done
ninja -C "$build" -j "$jobs" "${programs[@]}" >"$build/fuzz-build.log" 2>&1 || {
  tail -40 "$build/fuzz-build.log" >&2
  echo "fuzz.sh: building the fuzz targets in $build failed" >&2
  exit 1
}

# -shared-libsan (meson.build) leaves libFuzzer's libstdc++ ahead of the
# ASan runtime in the programs' library list; neither defines what the other
# must interpose (malloc and friends resolve to ASan, before libc), so the
# order check is off.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

scratch_root=$(mktemp -d "${TMPDIR:-/tmp}/cuferry-fuzz.XXXXXX")
status=0
for t in "${chosen[@]}"; do
  set -- $t
  name=$1 prog=$build/$2 corpus=$3 max_len=$4
  shift 4
  work=$scratch_root/$name
  mkdir -p "$work/corpus"
  cp -R "$corpus"/. "$work/corpus/"
  # Each target owns its input limits: leaks, hangs (10 s per input) and
  # memory (2 GiB) count as findings, like crashes.
  (cd "$work" && TMPDIR=$work CUFERRY_EMU_MEMORY=256M "$root/$prog" -max_total_time="$secs" \
     -max_len="$max_len" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
     -artifact_prefix="$work/" "$@" corpus >log 2>&1)
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  found=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$work/log" | tail -1)
  if [ $rc -eq 0 ] && [ -z "$found" ]; then
    echo "fuzz $name: ${execs:-0} execs, ok"
  else
    status=1
    kind=$(grep -m1 -oE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer): [a-z-]+|invariant failed: .*|runtime error: .*' "$work/log")
    echo "fuzz $name: ${execs:-0} execs, FOUND ${kind:-something (exit $rc)}: ${found:-no reproducer; see $work/log}"
    echo "  log: $work/log"
  fi
done
if [ $status -eq 0 ] && [ "${CUFERRY_FUZZ_KEEP:-0}" != 1 ]; then
  rm -rf "$scratch_root"
else
  echo "fuzz.sh: scratch folders kept in $scratch_root"
fi
exit $status
