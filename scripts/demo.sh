#!/usr/bin/env bash
# The quick start: installs what is missing, builds into build/, starts
# cuferryd on a free loopback port with the CPU emulator as its driver, runs
# an ordinary CUDA program (examples/demo.c, kernel compiled by nvcc) through
# the client stub, and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

if [ ! -x build/examples/demo ]; then
  echo "demo: build/examples/demo was not built: nvcc (/usr/local/cuda/bin/nvcc)" \
       "or the toolkit's libcuda stub is missing" >&2
  exit 1
fi

log=$(mktemp)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -f "$log"
}
trap cleanup EXIT

build/server/cuferryd --listen tcp://127.0.0.1:0 --driver emu --insecure >"$log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^listening \(tcp:\/\/.*\)$/\1/p' "$log")
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "demo: cuferryd did not start:" >&2
  cat "$log" >&2
  exit 1
fi

echo "== cuferryd is serving the CPU emulator at $url"
echo "== running build/examples/demo through the stub (LD_LIBRARY_PATH=build/client)"
LD_LIBRARY_PATH="$PWD/build/client" CUFERRY_SERVER="$url" \
  build/examples/demo build/examples/demo.ptx 96
echo "== server log"
sed 's/^/   /' "$log"
