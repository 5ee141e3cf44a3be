#!/bin/bash
# Proves that tests/rdma/vm.sh works: in one guest, the rxe device shows up
# in ibv_devices, the guest has no network device but lo and dummy0, and an
# rping pair (librdmacm) and an ibv_rc_pingpong pair (raw verbs, RoCEv2 GID
# 1) each complete on 10.99.0.1; arguments reach the command intact. Then a
# failing command's status comes back (`false` gives 1) and a command that
# runs past --timeout is reported as a timeout (124).
#
#   tests/rdma/smoke.sh     exit 0: all passed, 1: a check failed,
#                           77: skipped (CUFERRY_SKIP_RDMA_VM=1)
# A guest that cannot be started fails the test, saying why (vm.sh exit 3).
set -euo pipefail
# shellcheck disable=SC2015  # `check && pass || fail`: pass cannot fail

if [[ ${CUFERRY_SKIP_RDMA_VM:-} == 1 ]]; then
  echo "smoke.sh: skipped (CUFERRY_SKIP_RDMA_VM=1)"
  exit 77
fi

here=$(cd "$(dirname "$0")" && pwd)
vm=$here/vm.sh
out=$(mktemp -d "${TMPDIR:-/tmp}/cuferry-rdma-smoke.XXXXXX")
trap 'rm -rf "$out"' EXIT
failed=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failed=1; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

tools=()
for t in ibv_devices rping ibv_rc_pingpong; do
  p=$(command -v "$t") || { echo "smoke.sh: $t not found (run tests/rdma/deps.sh)"; exit 1; }
  tools+=(--copy "$p")
done

# Runs in the guest under sh (dash). Every program gets its own timeout; a
# client retries until its server listens.
guest_script='
set -u
echo "args: $1|$2"
echo "netdevs: $(ls /sys/class/net | tr "\n" " ")"
ibv_devices
retry() { i=0; until "$@"; do i=$((i + 1)); [ $i -lt 20 ] || return 1; sleep 0.25; done; }

timeout 30 rping -s -a 10.99.0.1 -C 3 -v > /tmp/rping-server.log 2>&1 & s=$!
sleep 0.3
retry timeout 30 rping -c -a 10.99.0.1 -C 3 -v; c=$?
wait $s; s=$?
cat /tmp/rping-server.log
echo "rping: client $c server $s"

timeout 30 ibv_rc_pingpong -d rxe0 -g 1 -n 20 > /tmp/pp-server.log 2>&1 & s=$!
sleep 0.3
retry timeout 30 ibv_rc_pingpong -d rxe0 -g 1 -n 20 10.99.0.1 2>&1; c=$?
wait $s; s=$?
cat /tmp/pp-server.log
echo "ibv_rc_pingpong: client $c server $s"
'

# 1. The verbs pairs.
t0=$(now_ms)
rc=0
"$vm" -v --timeout 120 "${tools[@]}" -- sh -c "$guest_script" guest "a b" "c'd" \
  >"$out/verbs.out" 2>"$out/verbs.err" || rc=$?
t1=$(now_ms)
cat "$out/verbs.out"
if ((rc == 3)); then
  grep '^vm.sh: cannot start the guest:' "$out/verbs.err" || tail -n5 "$out/verbs.err"
  echo "smoke.sh: FAIL: the guest cannot be started (set CUFERRY_SKIP_RDMA_VM=1 to skip)"
  exit 1
fi
grep '^vm.sh: kernel' "$out/verbs.err" || true
((rc == 0)) && pass "verbs guest exited 0 ($((t1 - t0)) ms)" || fail "verbs guest exited $rc"
grep -qx "args: a b|c'd" "$out/verbs.out" && pass "arguments arrive intact" || fail "arguments"
grep -qx "netdevs: dummy0 lo " "$out/verbs.out" && pass "only lo and dummy0 in the guest" ||
  fail "unexpected network devices"
grep -qE '^\s+rxe0\s' "$out/verbs.out" && pass "ibv_devices lists rxe0" || fail "ibv_devices"
grep -qx 'rping: client 0 server 0' "$out/verbs.out" &&
  grep -q 'ping data: rdma-ping-2' "$out/verbs.out" && pass "rping pair" || fail "rping pair"
[[ $(grep -c 'bytes in .* seconds' "$out/verbs.out") == 2 ]] &&
  grep -qx 'ibv_rc_pingpong: client 0 server 0' "$out/verbs.out" &&
  pass "ibv_rc_pingpong pair" || fail "ibv_rc_pingpong pair"
((failed == 0)) || sed 's/^/  stderr: /' "$out/verbs.err"

# 2. A failing command's status comes back.
rc=0
"$vm" -- false >"$out/false.out" 2>&1 || rc=$?
((rc == 1)) && pass "vm.sh -- false exits 1" || { fail "vm.sh -- false exited $rc"; cat "$out/false.out"; }

# 3. A command past its timeout is reported as one.
t0=$(now_ms)
rc=0
"$vm" --timeout 3 -- sh -c 'echo started; sleep 60; echo not reached' >"$out/slow.out" 2>"$out/slow.err" || rc=$?
t1=$(now_ms)
if ((rc == 124)) && grep -q 'timeout' "$out/slow.err" && grep -qx started "$out/slow.out" &&
   ! grep -q 'not reached' "$out/slow.out"; then
  pass "timeout reported ($(<"$out/slow.err"), $((t1 - t0)) ms)"
else
  fail "timeout: exit $rc"; cat "$out/slow.out" "$out/slow.err"
fi

((failed == 0)) && echo "smoke.sh: all passed" || echo "smoke.sh: FAILED"
exit "$failed"
