#!/usr/bin/env bash
# The quick start: installs what is missing, builds into build/, makes a
# throw-away CA, server certificate and client token, starts cuferryd on a
# free loopback port over TLS with the CPU emulator as its driver, runs an
# ordinary CUDA program (examples/demo.c, kernel compiled by nvcc) through
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
tls=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$log" "$tls"
}
trap cleanup EXIT

# What an operator makes once (contrib/README.md): a CA, a certificate for
# the server's name, and a token per user.
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
openssl req -x509 "${ec[@]}" -days 1 -subj "/CN=cuferry demo CA" \
  -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
openssl req "${ec[@]}" -subj "/CN=localhost" -keyout "$tls/server.key" \
  -out "$tls/server.csr" 2>/dev/null
openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
  -CAcreateserial -days 1 -out "$tls/server.pem" \
  -extfile <(printf "subjectAltName=DNS:localhost,IP:127.0.0.1") 2>/dev/null
build/server/cuferryd --new-token demo >"$tls/new-token"
token=$(sed -n 1p "$tls/new-token")
sed -n 2p "$tls/new-token" >"$tls/tokens"

build/server/cuferryd --listen tls://127.0.0.1:0 --driver emu \
  --tls-cert "$tls/server.pem" --tls-key "$tls/server.key" --tokens "$tls/tokens" >"$log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 100); do
  url=$(sed -n 's/^listening \(tls:\/\/.*\)$/\1/p' "$log")
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
echo "== running build/examples/demo through the stub (LD_LIBRARY_PATH=build/client), TLS and a token"
LD_LIBRARY_PATH="$PWD/build/client" CUFERRY_SERVER="$url" CUFERRY_CA="$tls/ca.pem" \
  CUFERRY_TOKEN="$token" CUFERRY_CONFIG=/dev/null \
  build/examples/demo build/examples/demo.ptx 96
echo "== server log"
sed 's/^/   /' "$log"
