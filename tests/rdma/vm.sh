#!/bin/bash
# Runs one command inside a throw-away QEMU guest that has soft-RoCE, so that
# real verbs programs (libibverbs, librdmacm) can be tested on machines whose
# kernel has no RDMA at all (see ../shared/reference/rdma-in-a-vm.md).
#
#   tests/rdma/vm.sh [-v] [--timeout SECS] [--copy PATH]... -- COMMAND...
#
# The guest boots Debian's own kernel (the linux-image-6.1.0-*-amd64 package
# that linux-image-amd64 depends on, fetched with `apt-get download`, never
# installed) under TCG (no KVM), with no network device to the outside. Its
# initramfs holds busybox, dash, ip, rdma, coreutils' timeout, the rxe verbs
# provider and each --copy'd file or directory, with the shared libraries of
# every ELF file, all at their host paths. The guest's init loads rdma_rxe,
# puts rxe0 on dummy0 (10.99.0.1/24), waits for the port to be ACTIVE, runs
# COMMAND (with sh, in the host's current directory, under `timeout SECS`)
# and reports its exit status on a second serial port.
#
# Output: the command's stdout and stderr (merged, from the guest console)
# on stdout. Exit status: the command's; 124 when it ran past SECS (or the
# guest hung); 125 when the guest died while running it; 2 for bad usage;
# 3 when the guest cannot be started, with one line on stderr starting with
# "vm.sh: cannot start the guest:". -v also prints timings and the whole
# console on stderr.
#
# The kernel and its trimmed modules are cached in CUFERRY_RDMA_VM_CACHE
# (default ${XDG_CACHE_HOME:-$HOME/.cache}/cuferry-rdma-vm), one directory
# per kernel package, built in a temporary directory and renamed into place.
set -euo pipefail

# Modules loaded in the guest, in this order, each after its modules.dep
# dependencies. crc32_generic must come before rdma_rxe or rxe cannot init.
modules=(crc32_generic crc32c_generic libcrc32c ib_core ib_uverbs rdma_ucm
         rdma_cm ib_umad dummy rdma_rxe)
boot_limit=${CUFERRY_RDMA_VM_BOOT_LIMIT:-120}  # seconds from QEMU start to a ready rxe port
grace=15          # seconds past --timeout before the host kills the guest

cannot_start() { echo "vm.sh: cannot start the guest: $*" >&2; exit 3; }
usage() {
  echo "usage: tests/rdma/vm.sh [-v] [--timeout SECS] [--copy PATH]... -- COMMAND..." >&2
  exit 2
}

timeout=120 verbose=0 copies=()
while (($#)); do
  case $1 in
    --timeout) (($# >= 2)) || usage
               [[ $2 =~ ^[1-9][0-9]{0,5}$ ]] || { echo "vm.sh: bad --timeout '$2'" >&2; usage; }
               timeout=$2; shift 2 ;;
    --copy)    (($# >= 2)) || usage
               [[ -e $2 ]] || { echo "vm.sh: --copy '$2': no such file" >&2; exit 2; }
               copies+=("$2"); shift 2 ;;
    -v)        verbose=1; shift ;;
    --)        shift; break ;;
    *)         usage ;;
  esac
done
(($#)) || usage

PATH=$PATH:/usr/sbin:/sbin   # ip, depmod, ldconfig: not on a user's PATH on Debian
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
t_start=$(now_ms)

for tool in qemu-system-x86_64 busybox dash ip rdma timeout cpio xz dpkg apt-get ldd depmod; do
  command -v "$tool" >/dev/null || cannot_start "$tool not found (run tests/rdma/deps.sh)"
done
rxe_libs=(/usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so)
rxe_lib=${rxe_libs[0]}
[[ -e $rxe_lib && -e /etc/libibverbs.d/rxe.driver ]] ||
  cannot_start "the rxe verbs provider is missing (run tests/rdma/deps.sh)"

qpid='' work=$(mktemp -d "${TMPDIR:-/tmp}/cuferry-rdma-vm.XXXXXX")
cleanup() {  # shellcheck disable=SC2317  # run by trap
  if [[ -n $qpid ]]; then kill -KILL "$qpid" 2>/dev/null || true; wait "$qpid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the kernel cache -------------------------------------------------------

cache=${CUFERRY_RDMA_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cuferry-rdma-vm}

# A cache entry is complete when its stamp exists; the stamp is written last,
# and the entry only appears under its final name by rename.
entry_ok() { [[ -f $1/complete && -f $1/bzImage && -f $1/modules.cpio ]]; }

# Prints the modules' paths (relative to the module tree) in load order, each
# after its dependencies; $1 is modules.dep, the rest are module names.
load_order() {
  local dep=$1; shift
  awk -v want="$*" '
    function name(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
    function visit(p,   i, n, d) {
      if (p in done) return
      done[p] = 1
      n = split(deps[p], d, " ")
      for (i = n; i >= 1; i--) visit(d[i])   # modules.dep lists the deepest last
      print p
    }
    { p = $1; sub(/:$/, "", p); $1 = ""; deps[p] = $0; path[name(p)] = p }
    END {
      n = split(want, w, " ")
      for (i = 1; i <= n; i++) {
        if (!(w[i] in path)) { print "missing module " w[i] > "/dev/stderr"; exit 1 }
        visit(path[w[i]])
      }
    }' "$dep"
}

build_entry() {  # $1: kernel package, $2: final directory
  local pkg=$1 final=$2 tmp kver rel off
  tmp=$(mktemp -d "$cache/.build.XXXXXX")
  # shellcheck disable=SC2064  # expand $tmp now: it is local
  trap "rm -rf '$tmp'; cleanup" EXIT
  (cd "$tmp" && apt-get download -q "$pkg" >download.log 2>&1) ||
    cannot_start "apt-get download $pkg failed: $(tail -n1 "$tmp/download.log")"
  dpkg -x "$tmp"/"$pkg"_*.deb "$tmp/root" || cannot_start "dpkg -x $pkg failed"
  kver=$(ls "$tmp/root/lib/modules")
  [[ -f $tmp/root/boot/vmlinuz-$kver ]] || cannot_start "$pkg has no /boot/vmlinuz-$kver"
  cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/bzImage"

  # The uncompressed vmlinux boots through its PVH entry point, skipping the
  # bzImage's decompressor, which costs seconds under TCG. Its xz payload
  # starts at one of the xz magic numbers in the bzImage.
  for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$tmp/bzImage" | cut -d: -f1); do
    tail -c +$((off + 1)) "$tmp/bzImage" | xz -dc --single-stream >"$tmp/vmlinux" 2>/dev/null || true
    if [[ $(head -c4 "$tmp/vmlinux" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] &&
       { ! command -v readelf >/dev/null || readelf -n "$tmp/vmlinux" | grep -Eq 'Xen.*(\(0x00000012\)|PHYS32)'; }; then
      break
    fi
    rm -f "$tmp/vmlinux"
  done

  # The package ships no modules.dep: depmod writes it at install time.
  local tree=$tmp/root/lib/modules/$kver stage=$tmp/mods order=()
  depmod -b "$tmp/root" "$kver" 2>"$tmp/depmod.log" ||
    cannot_start "depmod failed for $pkg: $(head -n1 "$tmp/depmod.log")"
  mapfile -t order < <(load_order "$tree/modules.dep" "${modules[@]}") ||
    cannot_start "cannot order the modules of $pkg"
  ((${#order[@]} >= ${#modules[@]})) || cannot_start "cannot order the modules of $pkg"
  mkdir -p "$stage/vm"
  for rel in "${order[@]}"; do
    mkdir -p "$stage/vm/modules/$(dirname "$rel")"
    case $rel in
      *.ko.xz) xz -dc "$tree/$rel" >"$stage/vm/modules/${rel%.xz}"; rel=${rel%.xz} ;;
      *.ko)    cp "$tree/$rel" "$stage/vm/modules/$rel" ;;
      *)       cannot_start "unsupported module file $rel" ;;
    esac
    echo "/vm/modules/$rel" >>"$stage/vm/modules.order"
  done
  # Plain newc cpio: the kernel joins concatenated archives only when each
  # is uncompressed (or each is compressed the same way). The modules live
  # under /vm, not /lib: a /lib directory here would stop the second
  # archive's /lib -> usr/lib link from being made.
  (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$tmp/modules.cpio"
  echo "$kver" >"$tmp/kver"
  rm -rf "$tmp/root" "$tmp/mods" "$tmp"/*.deb "$tmp"/*.log
  touch "$tmp/complete"
  # A racing builder may have won: keep its entry, drop ours.
  mv -T "$tmp" "$final" 2>/dev/null || rm -rf "$tmp"
  trap cleanup EXIT
  entry_ok "$final" || cannot_start "cache entry $final is incomplete"
}

mkdir -p "$cache" || cannot_start "cannot create the cache directory $cache"
# apt-cache takes a second or more: remember its answer until the package
# lists change.
pkg=
if [[ -s $cache/current ]] &&
   [[ -z $(find /var/lib/apt/lists -maxdepth 1 -newer "$cache/current" -print -quit 2>/dev/null) ]]; then
  pkg=$(<"$cache/current")
fi
if [[ -z $pkg ]]; then
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ && !seen { print $2; seen = 1 }') ||
    true
  if [[ -n $pkg ]]; then echo "$pkg" >"$cache/current.$$" && mv "$cache/current.$$" "$cache/current"; fi
fi
if [[ -z $pkg ]]; then
  # No package index: fall back on the newest complete entry, if any.
  # shellcheck disable=SC2045  # our own names: no spaces
  for d in $(ls -dt "$cache"/linux-image-* 2>/dev/null); do
    entry_ok "$d" && { pkg=${d##*/}; break; }
  done
  [[ -n $pkg ]] || cannot_start "apt-cache knows no linux-image-amd64 (run apt-get update)"
fi
entry=$cache/$pkg
fetched=0
if ! entry_ok "$entry"; then
  rm -rf "$entry"
  build_entry "$pkg" "$entry"
  fetched=1
fi
t_cache=$(now_ms)

# ---- the initramfs ----------------------------------------------------------

root=$work/root
mkdir -p "$root"/{proc,sys,dev,tmp,run,root,etc,vm/bin,usr}
# Markers around the command's output, unguessable by the command.
mark="vm.sh-$RANDOM$RANDOM"
# Mirror the host's merged-/usr links so that /lib/... and /usr/lib/... agree.
for d in bin sbin lib lib64; do
  if [[ -L /$d ]]; then
    link=$(readlink "/$d")
    ln -s "$link" "$root/$d"
    if [[ $link == /* ]]; then mkdir -p "$root$link"; else mkdir -p "$root/$link"; fi
  else
    mkdir -p "$root/$d"
  fi
done

declare -A added=()
files=() elfs=()
# Lists one host path for the guest, at the same path: a symlink stays a
# symlink (its target is listed too), a directory is listed whole, and ELF
# files are noted for ldd, unless $2 says ldd already found them (ldd lists
# a program's libraries transitively). Forks cost ~10 ms each here and this
# runs for every file on every run, hence the bash-only checks.
add() {
  local p=$1 f link magic=
  [[ $p == /* && $p != *//* && $p != */. && $p != */./* && $p != */..* ]] ||
    p=$(realpath -s -- "$p")
  [[ -n ${added[$p]:-} ]] && return 0
  added[$p]=1
  if [[ -L $p ]]; then
    files+=("$p")
    link=$(readlink -- "$p")
    [[ $link == /* ]] || link=${p%/*}/$link
    add "$link" "${2:-}"
  elif [[ -d $p ]]; then
    files+=("$p")
    for f in "$p"/* "$p"/.[!.]*; do
      if [[ -e $f || -L $f ]]; then add "$f" "${2:-}"; fi  # an unmatched glob stays literal
    done
  elif [[ -f $p ]]; then
    files+=("$p")
    [[ -n ${2:-} ]] && return 0
    LC_ALL=C read -r -n4 magic <"$p" || true
    [[ $magic != $'\x7fELF' ]] || elfs+=("$p")
  else
    echo "vm.sh: skipping $p (not a file, directory or symlink)" >&2
  fi
}

bb=$(command -v busybox)
cp "$bb" "$root/vm/bin/busybox"
elfs+=("$bb")
# busybox's applets go in a directory of their own, last on PATH, so that the
# host's programs win; the shell is dash, which runs what PATH finds. The
# guest makes the applet links: hundreds of ln -s here cost seconds.
add /bin/sh; add "$(command -v dash)"
add "$(command -v ip)"; add "$(command -v rdma)"; add "$(command -v timeout)"
# Only rxe's driver file: with the others, libibverbs prints a warning for
# each provider library it cannot find, in every verbs program.
add /etc/libibverbs.d/rxe.driver
add "$rxe_lib"
# awk reads to the end: exiting at the match could kill ldconfig with SIGPIPE
# while it still writes, which pipefail and set -e make this script's end.
gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !seen { print $NF; seen = 1 }')
[[ -n $gcc_s ]] && add "$gcc_s"   # glibc dlopens it for pthread_exit and unwinding
for f in ${copies[@]+"${copies[@]}"}; do add "$f"; done
# One ldd for all: with several files it heads each list with "FILE:".
while read -r -a words; do
  for f in "${words[@]}"; do [[ $f == /* && $f != *: ]] && add "$f" lib; done
done < <(ldd -- "${elfs[@]}" 2>/dev/null || true)
printf '%s\n' "${files[@]}" | cpio -pdmu --quiet "$root" ||
  cannot_start "cannot copy the files into the initramfs"

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n10.99.0.1 guest\n' >"$root/etc/hosts"

# The command, each argument single-quoted for sh, run in the host's current
# directory (made, empty, if nothing copied is in it).
quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
mkdir -p "$root$PWD"
{
  printf 'cd %s || exit 126\nexec' "$(quote "$PWD")"
  for a in "$@"; do printf ' %s' "$(quote "$a")"; done
  printf '\n'
} >"$root/vm/cmd"

cat >"$root/init" <<EOF
#!/bin/sh
# The guest's init, written by tests/rdma/vm.sh.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/vm/bin HOME=/root
/vm/bin/busybox --install -s /vm/bin
status() { echo "\$1" >/dev/ttyS1; busybox poweroff -f; }
fail() { echo "vm.sh-guest: \$*"; status boot-failed; }
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts pts /dev/pts; mount -t tmpfs shm /dev/shm
mkdir -p /tmp; chmod 1777 /tmp; mount -t tmpfs run /run  # /tmp stays the initramfs's: --copy may put files there
exec </dev/null >/dev/console 2>&1
# No CR before each LF: the command's output comes back byte for byte.
stty -onlcr </dev/console; stty -onlcr </dev/ttyS1
while read -r m; do insmod "\$m" || fail "insmod \$m failed"; done </vm/modules.order
# Loading dummy already made dummy0 (numdummies=1).
[ -e /sys/class/net/dummy0 ] || ip link add dummy0 type dummy
ip link set lo up && ip addr add 10.99.0.1/24 dev dummy0 &&
  ip link set dummy0 up && rdma link add rxe0 type rxe netdev dummy0 ||
  fail "cannot set up rxe0 on dummy0"
# Ready means the port is ACTIVE and has the RoCEv2 GID of 10.99.0.1.
i=0
until grep -q ACTIVE /sys/class/infiniband/rxe0/ports/1/state 2>/dev/null &&
      grep -qs 'ffff:0a63:0001' /sys/class/infiniband/rxe0/ports/1/gids/*; do
  i=\$((i + 1)); [ \$i -lt 200 ] || fail "rxe0 port 1 did not become ACTIVE"
  sleep 0.05
done
read -r up _ </proc/uptime
echo "$mark: guest ready at \$up s"
timeout -k 5 $timeout sh /vm/cmd
st=\$?
read -r up _ </proc/uptime
echo "$mark: command done at \$up s"
status \$st
EOF
chmod +x "$root/init" "$root/vm/cmd"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/run.cpio"
cat "$entry/modules.cpio" "$work/run.cpio" >"$work/initrd"
t_initrd=$(now_ms)

# ---- the guest --------------------------------------------------------------

# Returns 0 when QEMU ran the guest to its end, 1 when the guest never got
# ready (reason in $why), 2 when the host had to kill it after it got ready.
boot() {  # $1: kernel image
  : >"$work/console"; : >"$work/status"
  qemu-system-x86_64 -nodefaults -nic none -no-user-config -display none \
    -no-reboot -accel tcg,thread=multi -smp 2 -m 1G -cpu max \
    -kernel "$1" -initrd "$work/initrd" \
    -append "console=ttyS0 quiet panic=-1 mitigations=off nokaslr tsc=reliable" \
    -serial "file:$work/console" -serial "file:$work/status" \
    </dev/null >"$work/qemu.log" 2>&1 &
  qpid=$!
  local deadline=$(($(now_ms) + boot_limit * 1000)) rc=0
  t_ready=
  while kill -0 "$qpid" 2>/dev/null; do
    if [[ -z $t_ready ]] && grep -qa "^$mark: guest ready" "$work/console"; then
      t_ready=$(now_ms)
      deadline=$((t_ready + (timeout + grace) * 1000))
    fi
    if (($(now_ms) > deadline)); then
      kill -KILL "$qpid" 2>/dev/null || true
      wait "$qpid" 2>/dev/null || true
      qpid=
      if [[ -z $t_ready ]]; then why="the guest was not ready after $boot_limit s"; return 1; fi
      return 2
    fi
    sleep 0.05
  done
  wait "$qpid" || rc=$?
  qpid=
  if ((rc != 0)); then why="qemu exited with $rc: $(head -n1 "$work/qemu.log")"; return 1; fi
  return 0
}

kernel=$entry/bzImage
[[ -f $entry/vmlinux ]] && kernel=$entry/vmlinux
rc=0; boot "$kernel" || rc=$?
if ((rc == 1)) && [[ $kernel == */vmlinux ]] && grep -q PVH "$work/qemu.log"; then
  kernel=$entry/bzImage; rc=0; boot "$kernel" || rc=$?
fi
t_end=$(now_ms)

# Only the kernel's own lines carry a CR (the serial console driver adds it).
console=$(sed -E '/^\[ *[0-9]+\.[0-9]+\] /s/\r$//' "$work/console")
status=$(tr -d '\r\n ' <"$work/status")
if ((verbose)); then
  {
    echo "vm.sh: --- guest console ---"; echo "$console"; echo "vm.sh: ---"
    echo "vm.sh: kernel $pkg ($kernel); cache $((t_cache - t_start)) ms$( ((fetched)) && echo ' (fetched)')," \
         "initramfs $((t_initrd - t_cache)) ms, boot to ready" \
         "$([[ -n $t_ready ]] && echo "$((t_ready - t_initrd)) ms" || echo never), total $((t_end - t_start)) ms"
  } >&2
fi

((rc != 1)) || cannot_start "$why"
if [[ $status == boot-failed ]]; then
  cannot_start "$(grep -a '^vm.sh-guest:' <<<"$console" | tail -n1 | sed 's/^vm.sh-guest: //')"
fi
[[ -n $t_ready ]] || cannot_start "the guest stopped before it was ready: $(tail -n1 <<<"$console")"
# The command's output lies between the two markers; the second follows
# the output's last byte, which need not be a newline.
awk -v m="$mark" 'p && (i = index($0, m ": command done at")) { printf "%s", substr($0, 1, i - 1); exit }
                  p { print } index($0, m ": guest ready at") == 1 { p = 1 }' <<<"$console"

if ((rc == 2)); then
  echo "vm.sh: timeout: the guest did not finish within $((timeout + grace)) s; killed" >&2
  exit 124
fi
if [[ $status == 124 ]]; then
  echo "vm.sh: timeout: the command ran past $timeout s" >&2
  exit 124
fi
[[ $status =~ ^[0-9]+$ ]] || {
  echo "vm.sh: the guest stopped without an exit status: $(tail -n1 <<<"$console")" >&2
  exit 125
}
exit "$status"
