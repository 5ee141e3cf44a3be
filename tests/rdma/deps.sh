#!/bin/bash
# Installs the Debian packages that tests/rdma/vm.sh and smoke.sh need on the
# host: QEMU (TCG, no KVM needed), busybox and dash for the guest's initramfs,
# the rdma-core user space that is copied into the guest (providers, tools),
# iproute2 for `rdma`, and the unpackers for the guest kernel. The kernel
# itself is never installed: vm.sh fetches it with `apt-get download`.
set -euo pipefail

packages=(
  qemu-system-x86   # qemu-system-x86_64
  busybox-static    # the guest's coreutils, mount, timeout, poweroff
  dash              # the guest's /init shell
  iproute2          # ip and rdma, copied into the guest
  ibverbs-providers # librxe and /etc/libibverbs.d/rxe.driver
  ibverbs-utils     # ibv_devices, ibv_devinfo, ibv_rc_pingpong
  rdmacm-utils      # rping
  kmod              # depmod: the kernel package ships no modules.dep
  xz-utils          # unpacks the kernel's xz payload into vmlinux
  cpio              # builds the initramfs
  binutils          # readelf/objdump, used to check vmlinux
)

if [[ ${1:-} == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

sudo=()
((EUID == 0)) || sudo=(sudo)
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
