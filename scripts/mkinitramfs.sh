#!/usr/bin/env bash
# mkinitramfs.sh - the Linux guest's initramfs: the cached static busybox and an
# /init that reports the CPUs, their flags and the clock on the serial console,
# then powers off (or reboots, stays at a shell, or runs the trap-cost bench's
# Linux+KVM peer: kernel argument hvinit=).
set -euo pipefail

here=${BASH_SOURCE[0]}; [[ $here == */* ]] && here=${here%/*} || here=.
REPO=$(cd "$here/.." && pwd)

# Print the usage text.
usage() {
  cat <<EOF
usage: scripts/mkinitramfs.sh OUT.cpio.gz [BUSYBOX [EXTRA...]]

Writes a gzipped newc initramfs to OUT.cpio.gz, byte-identical for the same
inputs: BUSYBOX (default or empty: \$HV_BUSYBOX, else HV_BUSYBOX from
.cache/setup.env, which scripts/setup.sh writes) and the EXTRA files: a path
is a static executable put in /bin under its own name, DEST=PATH puts the file
PATH at DEST (relative to the root, e.g. lib/modules/kvm.ko=...). Needs no
network; uses the host's cpio, or busybox's.

/init prints "@linux userspace cpus=N" (with tsc=TICKS when there is a
/bin/tsc that prints the TSC), "@linux cpuinfo-flags ...", "@linux pci functions=N",
"@linux clock ..."
and "@guest verdict ..." (the verdict of a run without the hypervisor), runs
/bin/protdemo if the kernel command line has hvprot=1, then ends as it says:
  hvinit=poweroff (default)  sleep 1; poweroff -f
  hvinit=reboot              sleep 1; reboot -f
  hvinit=shell               a shell on the console
  hvinit=kvmbench            the trap-cost bench's peer configuration: load
                             /lib/modules/{irqbypass,kvm,kvm-intel}.ko, run
                             /boot/trapbench.elf under /bin/kvmrun with the
                             kernel arguments iters= and warmup=, power off
  hvinit=soak [hvsoak=S]     a stress loop for S seconds of Linux's time (default 60):
                             fork/exec, file I/O in a tmpfs, sleeps, two loops at once;
                             "@linux soak ..." with its counts, then poweroff -f
EOF
}

# Print an error line and exit non-zero.
die() { echo "mkinitramfs: $*" >&2; exit 1; }

# Print the busybox to use: $1 if not empty, else the environment's, else setup.env's.
find_busybox() {
  if [[ -n ${1-} ]]; then echo "$1"; return; fi
  if [[ -n ${HV_BUSYBOX-} ]]; then echo "$HV_BUSYBOX"; return; fi
  [[ -f $REPO/.cache/setup.env ]] || die "no busybox given and no .cache/setup.env (run scripts/setup.sh)"
  sed -n 's/^HV_BUSYBOX=//p' "$REPO/.cache/setup.env"
}

# Write the /init script to $1.
write_init() {
  cat >"$1" <<'EOF'
#!/bin/busybox sh
# /init of the hypervisor's Linux guest: report, then end as hvinit= says.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1

# One /proc/uptime and RTC reading: "uptime rtc".
clock_now() {
  echo "$(cut -d' ' -f1 /proc/uptime) $(cat /sys/class/rtc/rtc0/since_epoch 2>/dev/null || echo none)"
}

stamp=
[ -x /bin/tsc ] && stamp=" tsc=$(tsc)"
echo "@linux userspace cpus=$(grep -c '^processor' /proc/cpuinfo)$stamp"
echo "@linux cpuinfo-flags $(grep -m1 '^flags' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "@linux pci functions=$(ls /sys/bus/pci/devices 2>/dev/null | wc -l)"

# The trap-cost bench's Linux+KVM peer: kvm_intel, then trapbench under kvmrun,
# whose "@kvm verdict" line judges the run.
kvm_bench() {
  args=
  for word in $(cat /proc/cmdline); do
    case $word in iters=*|warmup=*) args="$args $word" ;; esac
  done
  for m in irqbypass kvm kvm-intel; do
    insmod /lib/modules/$m.ko || { echo "@kvm verdict result=fail reason=insmod-$m"; return; }
  done
  dmesg | grep -i 'kvm[_:]' | sed 's/^/linux: dmesg: /'
  [ -c /dev/kvm ] || { echo "@kvm verdict result=fail reason=no-dev-kvm"; return; }
  kvmrun /boot/trapbench.elf "${args# }"
}

case " $(cat /proc/cmdline) " in
*" hvinit=kvmbench "*)
  kvm_bench
  sleep 1; poweroff -f ;;
esac
dmesg | grep -E 'tsc|clocksource' | sed 's/^/linux: dmesg: /'
before=$(clock_now)
sleep 1
after=$(clock_now)
set -- $before $after
echo "@linux clock cpu_mhz=$(grep -m1 '^cpu MHz' /proc/cpuinfo | cut -d: -f2 | tr -d ' ')" \
     "uptime_before=$1 uptime_after=$3 rtc_before=$2 rtc_after=$4"

# One soak worker: $1 its name, $2 the uptime to stop at. Forks and execs,
# writes, copies and checks a file in the tmpfs, sleeps; prints its counts.
soak_worker() {
  local name=$1 until=$2 rounds=0 errors=0 f=/mnt/soak-$1 sum
  while [ "$(cut -d. -f1 /proc/uptime)" -lt "$until" ]; do
    /bin/true || errors=$((errors + 1))
    [ "$(echo "$name $rounds" | cat | wc -w)" = 2 ] || errors=$((errors + 1))
    sh -c 'exit 3'; [ $? = 3 ] || errors=$((errors + 1))
    dd if=/dev/urandom of=$f bs=4096 count=16 2>/dev/null || errors=$((errors + 1))
    cp $f $f.copy && sum=$(md5sum <$f) && [ "$sum" = "$(md5sum <$f.copy)" ] || errors=$((errors + 1))
    rm -f $f $f.copy
    usleep 20000
    rounds=$((rounds + 1))
  done
  echo "@linux soak-worker name=$name rounds=$rounds errors=$errors"
}

# hvinit=soak: two workers at once for hvsoak= seconds; the verdict counts their errors.
soak() {
  local seconds=60 start arg
  for arg in $(cat /proc/cmdline); do
    case $arg in hvsoak=*) seconds=${arg#hvsoak=} ;; esac
  done
  mount -t tmpfs tmpfs /mnt
  start=$(cut -d. -f1 /proc/uptime)
  echo "@linux soak-start seconds=$seconds uptime=$start"
  soak_worker a $((start + seconds)) >/tmp/soak-a &
  soak_worker b $((start + seconds)) >/tmp/soak-b &
  wait
  cat /tmp/soak-a /tmp/soak-b
  set -- $(sed 's/.*rounds=\([0-9]*\) errors=\([0-9]*\)/\1 \2/' /tmp/soak-a /tmp/soak-b)
  echo "@linux soak seconds=$seconds rounds=$(($1 + $3)) errors=$(($2 + $4))" \
       "uptime=$(cut -d' ' -f1 /proc/uptime) forks=$(grep '^processes' /proc/stat | cut -d' ' -f2)"
  if [ $(($2 + $4)) = 0 ] && [ $(($1 + $3)) -gt 0 ]; then
    echo "@guest verdict result=pass reason=linux-soak"
  else
    echo "@guest verdict result=fail reason=linux-soak-errors"
  fi
  sleep 1; poweroff -f
}

# hvprot=1: per-program protection tables (the hypervisor's protect=on).
case " $(cat /proc/cmdline) " in
*" hvprot=1 "*) [ -x /bin/protdemo ] && protdemo ;;
esac

case " $(cat /proc/cmdline) " in
*" hvinit=soak "*)
  soak ;;
*" hvinit=shell "*)
  echo "linux: shell on the console; 'poweroff -f' ends the run"
  exec setsid cttyhack sh ;;
*" hvinit=reboot "*)
  echo "@guest verdict result=pass reason=linux-reboot"
  sleep 1; reboot -f ;;
*)
  echo "@guest verdict result=pass reason=linux-poweroff"
  sleep 1; poweroff -f ;;
esac
EOF
  chmod 755 "$1"
}

# Pack the tree $1 into the gzipped newc archive $2, owned by root, timestamps 0.
pack() {
  local tree=$1 out=$2 busybox=$3 cpio_cmd
  find "$tree" -exec touch -h -d @0 {} +
  if command -v cpio >/dev/null; then
    cpio_cmd=(cpio --quiet -o -H newc -R 0:0 --reproducible)
  else
    cpio_cmd=("$busybox" cpio -o -H newc -R 0:0 --ignore-devno --renumber-inodes)
  fi
  (cd "$tree" && find . -mindepth 1 | LC_ALL=C sort | "${cpio_cmd[@]}") | gzip -9 -n >"$out.tmp"
  mv "$out.tmp" "$out"
}

main() {
  [[ ${1-} == -h || ${1-} == --help ]] && { usage; exit 0; }
  [[ $# -ge 1 ]] || { usage >&2; exit 2; }
  local out=$1 busybox extra
  busybox=$(find_busybox "${2-}")
  [[ -x $busybox ]] || die "busybox '$busybox' is not an executable (run scripts/setup.sh)"
  TREE=$(mktemp -d)
  trap 'rm -rf "$TREE"' EXIT
  mkdir -p "$TREE"/{bin,dev,mnt,proc,sys,tmp} "$(dirname "$out")"
  cp "$busybox" "$TREE/bin/busybox"
  for extra in "${@:3}"; do
    if [[ $extra == *=* ]]; then
      [[ -f ${extra#*=} ]] || die "extra '${extra#*=}' is not a file"
      mkdir -p "$TREE/$(dirname "${extra%%=*}")"
      cp "${extra#*=}" "$TREE/${extra%%=*}"
    else
      [[ -x $extra ]] || die "extra '$extra' is not an executable"
      cp "$extra" "$TREE/bin/"
    fi
  done
  write_init "$TREE/init"
  pack "$TREE" "$out" "$busybox"
}

main "$@"
