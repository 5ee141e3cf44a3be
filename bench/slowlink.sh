#!/usr/bin/env bash
# The bandwidth suite across an emulated slow link, to show what the copy
# path does where the network, not the machine, is the limit:
#   sudo bench/slowlink.sh [BUILD_DIR] [RATE] [MAX_SIZE] [COMPRESSION]
# (defaults: build, 1gbit, 67108864, none,lz4,zstd,auto). Root only. Two network namespaces made
# here are joined by a veth pair shaped with tbf to RATE in both directions,
# with addresses that exist only inside them; cuferryd (plain TCP, emulator
# driver) runs in one and cuferry-bench in the other. Every row is printed
# with its throughput as a multiple of the link rate (the bench's own "raw"
# column is a loopback stream on the client side, not this link). Bounded
# in time; the namespaces and the server go away however it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
rate=${2:-1gbit}
max_size=${3:-67108864}
modes=${4:-none,lz4,zstd,auto}
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root (network namespaces, tc)" >&2; exit 2; }
for f in "$build/server/cuferryd" "$build/bench/cuferry-bench"; do
  [ -x "$f" ] || { echo "$0: $f is missing: build first (ninja -C $build)" >&2; exit 2; }
done
case $rate in
  *gbit) bits=$(( ${rate%gbit} * 1000000000 )) ;;
  *mbit) bits=$(( ${rate%mbit} * 1000000 )) ;;
  *) echo "$0: RATE is NNNmbit or NNgbit, not $rate" >&2; exit 2 ;;
esac

srv_ns=cf-slow-srv-$$ cli_ns=cf-slow-cli-$$
srv_ip=10.213.$(( $$ % 250 )).1 cli_ip=10.213.$(( $$ % 250 )).2
log=$(mktemp) out=$(mktemp)
server_pid=
cleanup() {
  set +e
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  ip netns del "$srv_ns" 2>/dev/null
  ip netns del "$cli_ns" 2>/dev/null
  rm -f "$log" "$out"
}
trap cleanup EXIT INT TERM

ip netns add "$srv_ns"
ip netns add "$cli_ns"
ip link add cfs0 netns "$srv_ns" type veth peer name cfc0 netns "$cli_ns"
for side in "$srv_ns cfs0 $srv_ip" "$cli_ns cfc0 $cli_ip"; do
  set -- $side
  ip -n "$1" addr add "$3/24" dev "$2"
  ip -n "$1" link set "$2" up
  ip -n "$1" link set lo up
  ip netns exec "$1" tc qdisc add dev "$2" root tbf rate "$rate" burst 256kb latency 50ms
done

ip netns exec "$srv_ns" timeout 900 "$build/server/cuferryd" --listen "tcp://$srv_ip:0" \
  --insecure --driver emu >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q "listening tcp://" "$log" && break
  sleep 0.1
done
url=$(grep -o "tcp://[0-9.]*:[0-9]*" "$log" | head -n 1) || true
[ -n "$url" ] || { echo "$0: cuferryd did not start:" >&2; cat "$log" >&2; exit 1; }

echo "bandwidth over a $rate veth link ($url), emulator driver, plain TCP"
CUFERRY_CONFIG=/dev/null LD_LIBRARY_PATH="$build/client" \
  ip netns exec "$cli_ns" timeout 600 "$build/bench/cuferry-bench" --server "$url" \
  --max-size "$max_size" --compression "$modes" --json bandwidth >"$out"
python3 - "$out" "$bits" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
link = int(sys.argv[2]) / 8e9  # GB/s
print("  %-4s %8s %-8s %-7s %9s %9s %7s" % ("dir", "bytes", "data", "comp", "GB/s", "x link",
                                              "wire"))
for r in rows:
    print("  %-4s %8d %-8s %-7s %9.3f %8.2fx %7.4f" % (r["direction"], r["bytes"], r["data"],
          r["compression"], r["value"], r["value"] / link, r["wire_ratio"]))
PY
