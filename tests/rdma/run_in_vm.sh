#!/bin/bash
# One rdma-suite test: runs COMMAND in a fresh soft-RoCE guest (vm.sh),
# copying in COMMAND's program and every --copy'd path, and passes on its
# exit status. Exit 77 (skipped) when CUFERRY_SKIP_RDMA_VM=1; a guest that
# cannot be started is a failure, with vm.sh's reason.
#
#   tests/rdma/run_in_vm.sh [--timeout SECS] [--copy PATH]... -- PROGRAM [ARGS...]
set -euo pipefail

if [[ ${CUFERRY_SKIP_RDMA_VM:-} == 1 ]]; then
  echo "run_in_vm.sh: skipped (CUFERRY_SKIP_RDMA_VM=1)"
  exit 77
fi
here=$(cd "$(dirname "$0")" && pwd)
args=()
while (($#)) && [[ $1 != -- ]]; do
  args+=("$1")
  shift
done
(($# >= 2)) || { echo "usage: run_in_vm.sh [vm.sh options] -- PROGRAM [ARGS...]" >&2; exit 2; }
shift
[[ -f $1 ]] && args+=(--copy "$1")
rc=0
"$here/vm.sh" "${args[@]}" -- "$@" || rc=$?
case $rc in
  3)   echo "run_in_vm.sh: FAIL: the guest cannot be started (see above; set" \
            "CUFERRY_SKIP_RDMA_VM=1 to skip the rdma suite)" ;;
  124) echo "run_in_vm.sh: FAIL: timed out in the guest" ;;
  125) echo "run_in_vm.sh: FAIL: the guest died" ;;
esac
exit "$rc"
