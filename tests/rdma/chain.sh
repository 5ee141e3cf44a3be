#!/bin/bash
# The whole cuferry chain over soft-RoCE: in ONE throw-away QEMU guest
# (vm.sh) a cuferryd on the emulator serves CUDA test programs run through
# the client stub at SCHEME://10.99.0.1:PORT. This is what proves that an
# rdma:// session (opened over TLS, then moved to RDMA by its worker) carries
# real programs end to end: kernels, streams, large copies in every
# compression mode (from and to pinned memory too, zero-copy over RDMA),
# one thread's calls while another waits,
# error codes, and clients killed mid-run whose workers must go. With
# --scheme tls the same checks run over TLS on the guest's dummy0, which
# needs no RDMA code at all (a baseline for the rdma run).
#
#   tests/rdma/chain.sh [--scheme tls|rdma] [--timeout SECS] [--skip REASON]
#     --cuferryd P --stub LIBCUDA_SO_1 --emu SO
#     --vector-add EXE --vector-add-ptx PTX --saxpy EXE --saxpy-ptx PTX
#     --bigcopy EXE --pinnedcopy EXE --waits EXE --errors EXE --bad-ptx PTX
#
# On the host: makes a temporary directory with a CA and a server
# certificate for IP 10.99.0.1 (the openssl command), a tokens file with one
# token (cuferryd --new-token), and the digest lines of each program run
# directly on the emulator (the baseline that tests/integration/
# test_program.py compares with). Then boots the guest with all of that
# copied in and runs chain_guest.sh there (see its header for the checks),
# passing on its "ok NAME" / "FAIL NAME" lines. The default --scheme is rdma;
# --timeout (default 240) bounds the guest's command.
#
# Exit status: 0 all passed; 1 a check failed, the guest timed out or could
# not start (vm.sh's reason is shown); 77 skipped (CUFERRY_SKIP_RDMA_VM=1,
# --skip, or no openssl command); 2 bad usage.
set -euo pipefail

if [[ ${CUFERRY_SKIP_RDMA_VM:-} == 1 ]]; then
  echo "chain.sh: skipped (CUFERRY_SKIP_RDMA_VM=1)"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
usage() {
  sed -n '/^#   tests/,/^#     --bigcopy/p' "$0" | sed 's/^# *//' >&2
  exit 2
}

# The options naming a file, each required; path[NAME] holds its value.
path_options=(cuferryd stub emu vector-add vector-add-ptx saxpy saxpy-ptx bigcopy pinnedcopy
              waits errors bad-ptx)
scheme=rdma timeout=240
declare -A path=()
while (($#)); do
  case $1 in
    --scheme)  (($# >= 2)) || usage; scheme=$2; shift 2 ;;
    --timeout) (($# >= 2)) || usage; timeout=$2; shift 2 ;;
    --skip)    (($# >= 2)) || usage; echo "chain.sh: skipped: $2"; exit 77 ;;
    --*)       [[ " ${path_options[*]} " == *" ${1#--} "* ]] ||
                 { echo "chain.sh: unknown argument '$1'" >&2; usage; }
               (($# >= 2)) || usage; path[${1#--}]=$2; shift 2 ;;
    *)         echo "chain.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $scheme == tls || $scheme == rdma ]] || { echo "chain.sh: --scheme must be tls or rdma" >&2; usage; }
for k in "${path_options[@]}"; do
  [[ -n ${path[$k]:-} ]] || { echo "chain.sh: --$k is missing" >&2; usage; }
  path[$k]=$(realpath -s -- "${path[$k]}")   # the guest sees the same absolute paths
  [[ -e ${path[$k]} ]] || { echo "chain.sh: FAIL: --$k ${path[$k]}: no such file (not built?)"; exit 1; }
done
stub=${path[stub]}
[[ ${stub##*/} == libcuda.so.1 ]] || { echo "chain.sh: --stub must name a libcuda.so.1" >&2; usage; }
command -v openssl >/dev/null || { echo "chain.sh: skipped: no openssl command to make certificates"; exit 77; }

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
t_start=$(now_ms)
work=$(mktemp -d "${TMPDIR:-/tmp}/cuferry-rdma-chain.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ---- certificates and a token ----------------------------------------------

# As tests/integration/harness.py makes them: P-256 keys, a CA, a server
# certificate signed by it, here for the guest's address.
ssl() { openssl "$@" >>"$work/openssl.log" 2>&1 || { echo "chain.sh: FAIL: openssl $1 failed:"; cat "$work/openssl.log"; exit 1; }; }
key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
ssl req -x509 "${key[@]}" -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 \
  -subj '/CN=cuferry chain test CA' -addext 'basicConstraints=critical,CA:TRUE' \
  -addext 'keyUsage=critical,keyCertSign,cRLSign'
ssl req "${key[@]}" -keyout "$work/server.key" -out "$work/server.csr" -subj '/CN=10.99.0.1'
printf 'basicConstraints=CA:FALSE\nsubjectAltName=IP:10.99.0.1\n' >"$work/server.ext"
ssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
  -CAcreateserial -out "$work/server.pem" -days 2 -extfile "$work/server.ext"
"${path[cuferryd]}" --new-token chain >"$work/new-token"
sed -n 1p "$work/new-token" >"$work/token"
sed -n 2p "$work/new-token" >"$work/tokens"
rm -f "$work/new-token" "$work/ca.key"   # the guest needs neither

# ---- the baseline: each program directly on the emulator -------------------

mkdir "$work/emu-lib"
ln -s "${path[emu]}" "$work/emu-lib/libcuda.so.1"
# direct NAME CMD...: run CMD on the emulator; its digest lines go to
# $work/expect.NAME. The same small device memory as the guest's server.
direct() {
  local name=$1 rc=0
  shift
  env -u CUFERRY_SERVER -u CUFERRY_CA -u CUFERRY_TOKEN -u CUFERRY_CERT -u CUFERRY_KEY \
    -u CUFERRY_EXPECT_ZERO_COPY \
    CUFERRY_CONFIG=/dev/null CUFERRY_EMU_MEMORY=268435456 \
    LD_LIBRARY_PATH="$work/emu-lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    timeout 120 "$@" >"$work/direct.$name" 2>&1 </dev/null || rc=$?
  if ((rc != 0)) || grep -q '^FAIL' "$work/direct.$name" ||
     ! tail -n1 "$work/direct.$name" | grep -q '^PASS ' ||
     ! grep '^digest ' "$work/direct.$name" >"$work/expect.$name"; then
    echo "chain.sh: FAIL: $name directly on the emulator (exit $rc):"
    sed 's/^/    /' "$work/direct.$name"
    exit 1
  fi
}
direct vector_add "${path[vector-add]}" "${path[vector-add-ptx]}"
direct saxpy "${path[saxpy]}" "${path[saxpy-ptx]}"
direct bigcopy "${path[bigcopy]}"
direct pinnedcopy "${path[pinnedcopy]}"
direct waits "${path[waits]}"
direct errors "${path[errors]}" "${path[vector-add-ptx]}" "${path[bad-ptx]}"
rm -rf "$work/emu-lib" "$work"/direct.*
t_host=$(now_ms)
echo "chain.sh: scheme $scheme; certificates, token and baseline digests in $((t_host - t_start)) ms"

# ---- the guest ---------------------------------------------------------------

copies=()
for k in "${path_options[@]}"; do
  copies+=(--copy "${path[$k]}")
done
# Each at its host path: cuferryd finds the emulator at ../emu/ beside itself,
# and the stub's directory goes on the client's LD_LIBRARY_PATH.
copies+=(--copy "$work" --copy "$here/chain_guest.sh")
cd "$work"   # vm.sh runs the command in this directory: it must exist there
rc=0
"$here/vm.sh" -v --timeout "$timeout" "${copies[@]}" -- \
  sh "$here/chain_guest.sh" "$scheme" "$work" "${path[cuferryd]}" "${stub%/*}" \
  "${path[vector-add]}" "${path[vector-add-ptx]}" "${path[saxpy]}" "${path[saxpy-ptx]}" \
  "${path[bigcopy]}" "${path[pinnedcopy]}" "${path[waits]}" "${path[errors]}" "${path[bad-ptx]}" \
  2>"$work/vm.err" || rc=$?
t_end=$(now_ms)
grep '^vm.sh: kernel' "$work/vm.err" || true
case $rc in
  0)   echo "chain.sh: all passed (scheme $scheme, $((t_end - t_start)) ms)"; exit 0 ;;
  3)   grep '^vm.sh: cannot start the guest:' "$work/vm.err" || tail -n5 "$work/vm.err"
       echo "chain.sh: FAIL: the guest cannot be started (set CUFERRY_SKIP_RDMA_VM=1 to skip)" ;;
  124) grep '^vm.sh: timeout' "$work/vm.err" || true
       echo "chain.sh: FAIL: timed out in the guest (scheme $scheme, $((t_end - t_start)) ms)" ;;
  125) echo "chain.sh: the guest console's end:"; grep -v '^vm.sh: kernel' "$work/vm.err" | tail -n20
       echo "chain.sh: FAIL: the guest died (scheme $scheme, $((t_end - t_start)) ms)" ;;
  *)   echo "chain.sh: FAIL (guest exit $rc, scheme $scheme, $((t_end - t_start)) ms)" ;;
esac
exit 1
