#!/usr/bin/env bash
# Installs the Debian packages cuferry builds and tests with, if any are
# missing (as root, or through sudo). The CUDA toolkit (nvcc, cuda.h) is not
# a Debian package here: it is expected at /usr/local/cuda; without nvcc the
# tests that need it are skipped, saying so.
set -euo pipefail

packages=(meson ninja-build pkg-config gcc python3 libc6-dev
          libuv1-dev libprotobuf-c-dev protobuf-c-compiler
          libzstd-dev liblz4-dev libssl-dev libinih-dev libibverbs-dev librdmacm-dev
          clang libclang-rt-dev)  # clang and libFuzzer: scripts/fuzz.sh
# The rdma suite's QEMU guest (tests/rdma/vm.sh): QEMU, busybox, rdma-core's
# tools and providers; that script keeps the list.
mapfile -t -O ${#packages[@]} packages < <("$(dirname "$0")/../tests/rdma/deps.sh" --list)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "scripts/deps.sh: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
