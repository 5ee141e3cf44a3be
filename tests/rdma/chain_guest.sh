# The guest half of tests/rdma/chain.sh: the whole cuferry chain inside the
# soft-RoCE guest (POSIX sh: the guest has dash and busybox, no python).
#
#   sh chain_guest.sh SCHEME DIR CUFERRYD STUB_DIR VECTOR_ADD VECTOR_ADD_PTX
#                     SAXPY SAXPY_PTX BIGCOPY PINNEDCOPY WAITS ERRORS BAD_PTX
#
# SCHEME is tls or rdma. DIR, made by chain.sh, holds ca.pem, server.pem,
# server.key, tokens, token (the client's secret) and expect.NAME (the
# digest lines of each program run directly on the emulator, on the host).
#
# Starts one cuferryd --driver emu listening on tls://10.99.0.1:0 (and, for
# rdma, on rdma://10.99.0.1:0 too), then runs each program through the stub
# with CUFERRY_SERVER=SCHEME://10.99.0.1:PORT (PORT: the TLS one; an rdma://
# session opens over TLS there and then moves to RDMA). A run passes as in
# tests/integration/test_program.py: exit 0, no FAIL line, PASS last, and the
# same digest lines as the direct run. bigcopy and pinnedcopy run once per
# compression mode; for rdma, pinnedcopy must also find its pinned copies
# gone zero-copy in the stub's counters (CUFERRY_EXPECT_ZERO_COPY=1), but
# for none and auto only (forced compression copies its output). Then
# two clients are SIGKILLed mid-run, vector_add in its loop of copies and
# launches and pinnedcopy in its loop of pinned copies: each one's worker
# must go within 10 s, and a new client must be served after it. Last,
# cuferryd is stopped with SIGTERM: it must exit 0 and leave no worker. One
# "ok NAME" or "FAIL NAME" line per check; exit 1 if any failed. Every
# program runs under `timeout`.
set -u

[ $# -eq 13 ] || { echo "usage: chain_guest.sh SCHEME DIR CUFERRYD STUB_DIR VECTOR_ADD" \
                        "VECTOR_ADD_PTX SAXPY SAXPY_PTX BIGCOPY PINNEDCOPY WAITS ERRORS BAD_PTX"; exit 2; }
scheme=$1 dir=$2 cuferryd=$3 stub=$4 va=$5 va_ptx=$6 sx=$7 sx_ptx=$8 bc=$9
shift 9
pc=$1 waits=$2 errors=$3 bad_ptx=$4
tmp=/tmp/chain           # the guest's /tmp is its own tmpfs
mkdir -p "$tmp"
failed=0
ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; failed=1; }
indent() { sed 's/^/    /' "$@"; }
now() { read -r up _ </proc/uptime; echo "$up"; }

# spawn PIDFILE SECS CMD...: CMD in the background under `timeout SECS`,
# its own pid (not timeout's) written to PIDFILE.
# shellcheck disable=SC2016  # $0 and $@ belong to the inner sh
spawn() {
  _pf=$1 _secs=$2
  shift 2
  rm -f "$_pf"
  timeout "$_secs" sh -c 'echo $$ >"$0.new" && mv "$0.new" "$0" && exec "$@"' "$_pf" "$@" &
}
# wait_for SECS CMD...: retry CMD every 0.1 s until it succeeds or SECS pass.
wait_for() {
  _n=$(($1 * 10))
  shift
  until "$@"; do
    _n=$((_n - 1))
    [ "$_n" -gt 0 ] || return 1
    sleep 0.1
  done
}
# alive PID: the process exists and is no zombie.
alive() {
  _st=
  read -r _st 2>/dev/null </proc/"$1"/stat || return 1
  _st=${_st##*") "}
  [ "${_st%% *}" != Z ]
}
# children PID: the live child processes of PID (cuferryd's session workers).
children() {
  _parent=$1 _kids=
  for _d in /proc/[0-9]*; do
    _st=
    read -r _st 2>/dev/null <"$_d/stat" || continue
    _st=${_st##*") "}   # past "PID (COMM) ": STATE PPID ...
    # shellcheck disable=SC2086  # split the fields
    set -- $_st
    if [ "$2" = "$_parent" ] && [ "$1" != Z ]; then _kids="$_kids ${_d#/proc/}"; fi
  done
  echo "${_kids# }"
}
workers() { children "$srv"; }
# shellcheck disable=SC2317  # called through wait_for
no_workers() { [ -z "$(workers)" ]; }
# shellcheck disable=SC2317  # called through wait_for
none_alive() { for _p in "$@"; do alive "$_p" && return 1; done; return 0; }

# ---- cuferryd ---------------------------------------------------------------

listen="--listen tls://10.99.0.1:0"
[ "$scheme" = rdma ] && listen="$listen --listen rdma://10.99.0.1:0"
# A small device memory for every session: errors allocates just beyond it
# (as in tests/integration/meson.build); bigcopy needs 60 MiB, pinnedcopy
# 25 MiB.
# shellcheck disable=SC2086  # $listen: several arguments
spawn "$tmp/cuferryd.pid" 600 env CUFERRY_EMU_MEMORY=268435456 "$cuferryd" --driver emu $listen \
  --tls-cert "$dir/server.pem" --tls-key "$dir/server.key" --tokens "$dir/tokens" \
  --log-level debug >"$tmp/cuferryd.out" 2>"$tmp/cuferryd.log"
srv_timeout=$!
port=
if wait_for 60 grep -q '^listening tls://' "$tmp/cuferryd.out"; then
  srv=$(cat "$tmp/cuferryd.pid")
  port=$(sed -n 's|^listening tls://10\.99\.0\.1:\([0-9][0-9]*\)$|\1|p' "$tmp/cuferryd.out")
fi
if [ -z "$port" ]; then
  fail "cuferryd started (no 'listening tls://10.99.0.1:PORT' line)"
  echo "  cuferryd stdout:"; indent "$tmp/cuferryd.out"
  echo "  cuferryd stderr:"; indent "$tmp/cuferryd.log"
  kill "$srv_timeout" 2>/dev/null
  exit 1
fi
ok "cuferryd started at $(now) s: $(tr '\n' ' ' <"$tmp/cuferryd.out")"
url=$scheme://10.99.0.1:$port

# ---- clients ----------------------------------------------------------------

# The client's environment, as tests/integration/harness.py's program_env
# makes it: the stub first on LD_LIBRARY_PATH, no user config.
token=$(cat "$dir/token")
export CUFERRY_SERVER="$url" CUFERRY_CA="$dir/ca.pem" CUFERRY_TOKEN="$token"
export CUFERRY_CONFIG=/dev/null LD_LIBRARY_PATH="$stub"

# client NAME SECS CMD...: runs CMD; stdout in $tmp/NAME.out, stderr in
# $tmp/NAME.err, exit status in $rc, seconds taken in $took.
sessions=0
client() {
  _name=$1 _secs=$2
  shift 2
  _t0=$(now)
  rc=0 sessions=$((sessions + 1))
  timeout "$_secs" "$@" >"$tmp/$_name.out" 2>"$tmp/$_name.err" || rc=$?
  took=$(echo "$_t0 $(now)" | awk '{ printf "%.1f", $2 - $1 }')
}
# expect_pass NAME DIGESTS [EXTRA_PROBLEM]: judge the last client run.
expect_pass() {
  _why=
  if [ "$rc" -eq 124 ]; then _why="timed out"
  elif [ "$rc" -ne 0 ]; then _why="exit status $rc"
  elif grep -q '^FAIL' "$tmp/$1.out"; then _why="a FAIL line"
  elif ! tail -n1 "$tmp/$1.out" | grep -q '^PASS '; then _why="last line is not PASS"
  else
    grep '^digest ' "$tmp/$1.out" >"$tmp/$1.digests"
    if [ ! -s "$tmp/$1.digests" ]; then _why="no digest line"
    elif ! cmp -s "$tmp/$1.digests" "$2"; then _why="digests differ from the emulator's"
    fi
  fi
  [ -n "$_why" ] || _why=${3:-}
  if [ -z "$_why" ]; then
    ok "$1 (${took} s)"
  else
    fail "$1: $_why (${took} s)"
    echo "  stdout:"; indent "$tmp/$1.out"
    echo "  stderr:"; indent "$tmp/$1.err"
    if [ -f "$tmp/$1.digests" ]; then echo "  expected digests:"; indent "$2"; fi
  fi
}

client vector_add 120 "$va" "$va_ptx"
expect_pass vector_add "$dir/expect.vector_add"

client saxpy_streams 120 "$sx" "$sx_ptx"
expect_pass saxpy_streams "$dir/expect.saxpy"

# Over RDMA, copies from and to pinned memory must go zero-copy, unless
# compression is forced: its output is a buffer of the codec's, copied.
for mode in none lz4 zstd auto; do
  expect_zero_copy=0
  case $scheme.$mode in rdma.none | rdma.auto) expect_zero_copy=1 ;; esac
  client "bigcopy_$mode" 120 env CUFERRY_COMPRESSION="$mode" "$bc"
  expect_pass "bigcopy_$mode" "$dir/expect.bigcopy"
  client "pinnedcopy_$mode" 120 env CUFERRY_COMPRESSION="$mode" \
    CUFERRY_EXPECT_ZERO_COPY="$expect_zero_copy" "$pc"
  expect_pass "pinnedcopy_$mode" "$dir/expect.pinnedcopy"
  grep '^info rdma' "$tmp/pinnedcopy_$mode.out" | indent
done

# One thread's calls (pinned copies among them) while another waits.
client waits 120 "$waits"
expect_pass waits "$dir/expect.waits"

# The notice of an unsupported function must reach the program once.
client errors 120 "$errors" "$va_ptx" "$bad_ptx"
n=$(grep -c 'cuferry: cuMemAllocManaged is not supported yet' "$tmp/errors.err")
extra=
[ "$n" -eq 1 ] || extra="stderr has $n 'cuMemAllocManaged is not supported yet' lines, expected 1"
expect_pass errors "$dir/expect.errors" "$extra"

# ---- clients killed mid-run -------------------------------------------------

# kill_mid_run NAME CMD...: runs CMD (a client that prints "looping" and
# then loops until killed), SIGKILLs it 0.5 s after that line, well inside
# its loop; its worker must be gone within 10 s, cuferryd must live on, and
# vector_add run after it (as after_NAME) must pass.
kill_mid_run() {
  _kill=$1
  shift
  spawn "$tmp/$_kill.pid" 300 "$@" >"$tmp/$_kill.out" 2>&1
  sessions=$((sessions + 1))
  _kill_timeout=$!
  if ! wait_for 90 grep -q '^looping' "$tmp/$_kill.out"; then
    fail "$_kill: the client never printed 'looping'"
    indent "$tmp/$_kill.out"
    kill "$_kill_timeout" 2>/dev/null
  else
    sleep 0.5
    _victim=$(cat "$tmp/$_kill.pid")
    _ws=$(workers)
    if [ -z "$_ws" ]; then
      fail "$_kill: no worker process while a client runs"
    elif ! alive "$_victim"; then
      fail "$_kill: the client ended before the kill"; indent "$tmp/$_kill.out"
    else
      kill -KILL "$_victim"
      wait "$_kill_timeout" 2>/dev/null
      _t0=$(now)
      # shellcheck disable=SC2086  # $_ws: a list of pids
      if wait_for 10 none_alive $_ws && wait_for 10 no_workers; then
        ok "$_kill: worker(s) $_ws gone $(echo "$_t0 $(now)" | awk '{ printf "%.1f", $2 - $1 }') s after the kill"
      else
        fail "$_kill: workers still alive 10 s after the kill (had: $_ws; now: $(workers))"
      fi
    fi
  fi
  if alive "$srv"; then ok "cuferryd alive after $_kill"; else fail "cuferryd died in $_kill"; fi
  client "after_$_kill" 120 "$va" "$va_ptx"
  expect_pass "after_$_kill" "$dir/expect.vector_add"
}

kill_mid_run client_kill "$va" "$va_ptx" 1000000000
kill_mid_run pinned_kill "$pc" loop

# ---- the session moved to RDMA ----------------------------------------------

if [ "$scheme" = rdma ]; then
  # Loosely: cuferryd's debug log mentions rdma other than in its set-up.
  grep -i rdma "$tmp/cuferryd.log" | grep -vi listen >"$tmp/rdma.lines"
  if [ -s "$tmp/rdma.lines" ]; then
    ok "cuferryd's log mentions rdma ($(wc -l <"$tmp/rdma.lines") lines for $sessions sessions), e.g.:"
    head -n3 "$tmp/rdma.lines" | indent
  else
    fail "cuferryd's log never mentions rdma (sessions not moved to RDMA?)"
  fi
fi

# ---- stop cuferryd ----------------------------------------------------------

ws=$(workers)
kill -TERM "$srv"
src=0
wait "$srv_timeout" || src=$?
if [ "$src" -eq 0 ] && [ -z "$ws" ]; then
  ok "cuferryd exited 0 on SIGTERM, no worker left"
elif [ "$src" -eq 0 ]; then
  # shellcheck disable=SC2086  # $ws: a list of pids
  if wait_for 10 none_alive $ws; then ok "cuferryd exited 0 on SIGTERM, workers gone"
  else fail "workers $ws still alive after cuferryd stopped"; fi
else
  fail "cuferryd exited with status $src on SIGTERM, expected 0"
fi
if [ "$failed" -ne 0 ]; then
  echo "  cuferryd stderr (last 40 lines):"
  tail -n40 "$tmp/cuferryd.log" | indent
fi
echo "guest: done at $(now) s"
exit "$failed"
