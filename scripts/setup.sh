#!/usr/bin/env bash
# setup.sh - idempotent, prompt-free installer of the project's host dependencies (Debian 12).
set -euo pipefail

PKGS=(gcc g++ make cmake bochs bochsbios vgabios qemu-system-x86 grub-pc-bin grub-common
      xorriso mtools python3 python3-matplotlib dpkg-dev cpio clang
      libclang-rt-dev)
read -r -a EXTRA <<<"${HV_SETUP_EXTRA_PKGS:-}"
PKGS+=(${EXTRA[@]+"${EXTRA[@]}"})
APT_OPTS=(-o DPkg::Lock::Timeout=300)
here=${BASH_SOURCE[0]}; [[ $here == */* ]] && here=${here%/*} || here=.
REPO=$(cd "$here/.." && pwd)
CACHE=${HV_CACHE:-$REPO/.cache}; [[ $CACHE == /* ]] || CACHE=$PWD/$CACHE
LOG=$CACHE/setup.log ENVF=$CACHE/setup.env
QUIET=0 APT_UPDATED=0 HAVE_SUDO='' MISSING=() TMPS=()
trap 'rm -rf ${TMPS[@]+"${TMPS[@]}"}' EXIT

# Print the usage text.
usage() {
  cat <<EOF
usage: scripts/setup.sh [--quiet] [--help]

Ensures, without prompts, everything the project needs on a Debian 12 host:
  - Debian packages: ${PKGS[*]}
  - in the cache dir: capstone's source (apt-get source; link 'capstone'),
    the Debian cloud kernel (link 'vmlinuz'), busybox-static (link 'busybox'),
    and 'setup.env' (HV_CAPSTONE_SRC, HV_LINUX_KERNEL, HV_LINUX_VERSION, HV_BUSYBOX).
Installing packages or enabling deb-src needs root or passwordless sudo.
When all is present it only checks (fast) and prints one line (none with --quiet).
apt output goes to <cache>/setup.log.

environment:
  HV_CACHE             cache dir (default: <repo>/.cache)
  HV_SETUP_EXTRA_PKGS  extra Debian packages to require, space-separated (for testing
                       the install/not-root paths, e.g. HV_SETUP_EXTRA_PKGS=nonexistent-pkg)
EOF
}

# Print a progress line unless --quiet.
say() { [[ $QUIET == 1 ]] || echo "setup: $*"; }
# Print an error line and exit non-zero.
die() { echo "setup: $*" >&2; exit 1; }
# Run a command with its output appended to the log.
logged() { echo "+ $*" >>"$LOG"; "$@" </dev/null >>"$LOG" 2>&1; }
# Run a command as root (directly or via sudo); require_root must have passed.
as_root() { if ((EUID == 0)); then "$@"; else sudo -n "$@"; fi; }

# True if we are root or have passwordless sudo.
can_root() {
  ((EUID == 0)) && return 0
  if [[ -z $HAVE_SUDO ]]; then
    HAVE_SUDO=0
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then HAVE_SUDO=1; fi
  fi
  [[ $HAVE_SUDO == 1 ]]
}

# Die unless we can act as root; $1 says what root is needed for.
require_root() { can_root || die "not root and no sudo: $1"; }
# Make a temp dir under $1 (removed at exit) and store its path in TMP.
new_tmp() { TMP=$(mktemp -d "$1/.tmp.XXXXXX"); TMPS+=("$TMP"); }

# Create the cache dir (and its subdirs) or die.
ensure_cache() {
  { mkdir -p "$CACHE/src" "$CACHE/debs" 2>/dev/null && [[ -w $CACHE ]]; } \
    || die "cannot create or write cache dir $CACHE (set HV_CACHE to a writable dir)"
}

# Refresh apt's package lists as root, at most once per run; $1 says why.
apt_update() {
  ((APT_UPDATED)) && return 0
  require_root "apt-get update needed ($1); run: sudo apt-get update"
  ensure_cache; say "apt-get update ($1)"
  logged as_root apt-get "${APT_OPTS[@]}" update \
    || die "no package registry reachable: apt-get update failed (see $LOG)"
  APT_UPDATED=1
}

# Run an apt command (logged); on failure refresh the lists once and retry.
apt_try() {
  logged "$@" && return 0
  ((APT_UPDATED)) && return 1
  apt_update "'$*' failed, lists may be stale"
  logged "$@"
}

# Make sure some package lists exist (fresh images ship none).
ensure_lists() {
  compgen -G "/var/lib/apt/lists/*_Packages*" >/dev/null || apt_update "package lists are empty"
}

# Set MISSING to the required packages that dpkg does not report as installed.
missing_pkgs() {
  local -A ok=(); local name status line
  line=$(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null || true)
  while read -r name status; do
    if [[ $status == "install ok installed" ]]; then ok[$name]=1; fi
  done <<<"$line"
  MISSING=()
  for name in "${PKGS[@]}"; do if [[ -z ${ok[$name]-} ]]; then MISSING+=("$name"); fi; done
}

# Install missing Debian packages (as root or via sudo), or say how to.
ensure_packages() {
  missing_pkgs
  ((${#MISSING[@]})) || return 0
  local cmd="apt-get install -y --no-install-recommends ${MISSING[*]}"
  can_root || die "not root and no sudo: missing packages: ${MISSING[*]}; run: sudo apt-get update && sudo $cmd"
  ensure_cache; apt_update "installing ${MISSING[*]}"
  say "installing ${MISSING[*]}"
  logged as_root env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install -y \
    --no-install-recommends "${MISSING[@]}" || die "apt-get install failed for: ${MISSING[*]} (see $LOG)"
  missing_pkgs
  ((${#MISSING[@]} == 0)) || die "still missing after apt-get install: ${MISSING[*]} (see $LOG)"
}

# True if apt knows capstone's source package.
have_capstone_src() { [[ $(apt-cache showsrc capstone 2>/dev/null) == *"Package: capstone"* ]]; }

# Print deb-src twins of Debian's binary apt sources; $1 = deb822 or list.
deb_src_twins() {
  local uri='(debian\.org|/debian(-security)?/?)([ \t]|$)' f
  if [[ $1 == deb822 ]]; then
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f $f && $f != */hv-deb-src.sources ]] || continue
      awk -v uri="$uri" 'BEGIN { RS = "" } {
        n = split($0, L, "\n"); deb = 0; ok = 0; off = 0
        for (i = 1; i <= n; i++) {
          if (L[i] ~ /^Types:/ && L[i] ~ /[ \t]deb([ \t]|$)/) deb = 1
          if (L[i] ~ /^URIs:/ && L[i] ~ uri) ok = 1
          if (L[i] ~ /^Enabled:[ \t]*(no|false)/) off = 1 }
        if (deb && ok && !off) { for (i = 1; i <= n; i++) {
          if (L[i] ~ /^Types:/) L[i] = "Types: deb-src"; print L[i] }; print "" } }' "$f"
    done
  else
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [[ -f $f && $f != */hv-deb-src.list ]] || continue
      awk -v uri="$uri" '$1 == "deb" && $0 ~ uri { sub(/^[ \t]*deb/, "deb-src"); print }' "$f"
    done
  fi
}

# Make 'apt-get source capstone' possible: add deb-src entries if needed, then update.
enable_deb_src() {
  have_capstone_src && return 0
  require_root "apt has no deb-src entries (needed for 'apt-get source capstone'); add some and run: sudo apt-get update"
  if ! grep -qsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/*.{list,sources}; then
    local kind written=0
    for kind in deb822 list; do
      new_tmp "$CACHE"; deb_src_twins "$kind" >"$TMP/src"
      [[ -s $TMP/src ]] || continue
      local dest=/etc/apt/sources.list.d/hv-deb-src.${kind/deb822/sources}
      say "enabling deb-src in $dest"; as_root install -m 0644 "$TMP/src" "$dest"; written=1
    done
    ((written)) || die "no Debian apt sources found to derive deb-src entries from; add a deb-src line for Debian"
  fi
  APT_UPDATED=0; apt_update "deb-src entries"
  have_capstone_src || die "apt still knows no source for capstone after enabling deb-src (see $LOG)"
}

# Fetch and unpack capstone's Debian source into $CACHE/src, linked as $CACHE/capstone.
ensure_capstone() {
  [[ -f $CACHE/capstone/cs.c ]] && return 0
  local d f
  for d in "$CACHE"/src/capstone-*/; do   # an earlier run may have unpacked it already
    if [[ -f $d/cs.c ]]; then d=${d%/}; ln -sfn "src/${d##*/}" "$CACHE/capstone"; return 0; fi
  done
  enable_deb_src
  say "fetching capstone source (apt-get source capstone)"
  new_tmp "$CACHE/src"; cd "$TMP"
  apt_try apt-get "${APT_OPTS[@]}" source capstone || die "apt-get source capstone failed (see $LOG)"
  cd "$CACHE"
  d=$(compgen -G "$TMP/capstone-*/cs.c" | head -n1) || die "apt-get source capstone gave no capstone-*/cs.c (see $LOG)"
  d=${d%/cs.c}
  for f in "$TMP"/*; do rm -rf "$CACHE/src/${f##*/}"; mv "$f" "$CACHE/src/"; done
  ln -sfn "src/${d##*/}" "$CACHE/capstone"
}

# Download package $1 into $CACHE/debs (unless there) and unpack it atomically as $CACHE/$2.
fetch_deb() {
  local pkg=$1 dest=$CACHE/$2 deb
  deb=$(compgen -G "$CACHE/debs/${pkg}_*.deb" | tail -n1) || true
  if [[ -z $deb ]]; then
    ensure_lists; say "downloading $pkg"
    new_tmp "$CACHE/debs"; cd "$TMP"
    apt_try apt-get "${APT_OPTS[@]}" download "$pkg" || die "apt-get download $pkg failed (see $LOG)"
    cd "$CACHE"
    deb=$(compgen -G "$TMP/${pkg}_*.deb" | head -n1) || die "apt-get download $pkg produced no .deb (see $LOG)"
    mv "$deb" "$CACHE/debs/"; deb=$CACHE/debs/${deb##*/}
  fi
  new_tmp "$CACHE"
  logged dpkg -x "$deb" "$TMP/root" || { rm -f "$deb"; die "dpkg -x $deb failed (removed it; rerun to re-download)"; }
  rm -rf "$dest"; mv "$TMP/root" "$dest"
}

# Fetch the kernel behind linux-image-cloud-amd64 and link $CACHE/vmlinuz to it.
ensure_kernel() {
  [[ -e $CACHE/vmlinuz ]] && return 0
  ensure_lists
  local pkg k
  pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
  [[ -n $pkg ]] || die "cannot resolve linux-image-cloud-amd64 to a kernel package (apt-cache depends)"
  fetch_deb "$pkg" linux-root
  k=$(compgen -G "$CACHE/linux-root/boot/vmlinuz-*" | head -n1) || die "$pkg has no boot/vmlinuz-*"
  ln -sfn "linux-root/boot/${k##*/}" "$CACHE/vmlinuz"
}

# Fetch busybox-static and link $CACHE/busybox to its binary.
ensure_busybox() {
  [[ -x $CACHE/busybox ]] && return 0
  fetch_deb busybox-static busybox-root
  [[ -x $CACHE/busybox-root/bin/busybox ]] || die "busybox-static has no executable bin/busybox"
  ln -sfn busybox-root/bin/busybox "$CACHE/busybox"
}

# Compose setup.env's contents into ENV_TEXT (from what is in the cache).
env_text() {
  local k=("$CACHE"/linux-root/boot/vmlinuz-*)
  printf -v ENV_TEXT '%s\nHV_CACHE=%q\nHV_CAPSTONE_SRC=%q\nHV_LINUX_KERNEL=%q\nHV_LINUX_VERSION=%q\nHV_BUSYBOX=%q' \
    "# generated by scripts/setup.sh; do not edit" "$CACHE" "$CACHE/capstone" "$CACHE/vmlinuz" \
    "${k[0]##*/vmlinuz-}" "$CACHE/busybox"
}

# True if every cache artifact is present and setup.env is current.
all_present() {
  [[ -f $CACHE/capstone/cs.c && -e $CACHE/vmlinuz && -x $CACHE/busybox && -f $ENVF ]] || return 1
  env_text; [[ $(<"$ENVF") == "$ENV_TEXT" ]]
}

# Check (fast path) or install everything, then write setup.env.
main() {
  local a
  for a in "$@"; do
    case $a in
      -q|--quiet) QUIET=1 ;;
      -h|--help) usage; exit 0 ;;
      *) echo "setup: unknown option: $a (see --help)" >&2; exit 2 ;;
    esac
  done
  missing_pkgs
  if ((${#MISSING[@]} == 0)) && all_present; then say "all dependencies present ($CACHE)"; exit 0; fi
  ensure_packages
  ensure_cache
  exec 9>>"$CACHE/.setup.lock"
  flock -w 900 9 || die "another setup.sh holds $CACHE/.setup.lock"
  rm -rf "$CACHE"/.tmp.* "$CACHE"/{src,debs}/.tmp.*   # leftovers of killed runs
  ensure_capstone; ensure_kernel; ensure_busybox
  env_text; new_tmp "$CACHE"; printf '%s\n' "$ENV_TEXT" >"$TMP/env"; mv "$TMP/env" "$ENVF"
  say "ready: $(sed -n 's/^HV_LINUX_VERSION=//p' "$ENVF") kernel, $(readlink "$CACHE/capstone"), busybox ($ENVF)"
}

main "$@"
