#!/usr/bin/env bash
# Builds the tiny bootable test guest used by the QEMU driver's integration
# tests: a Debian kernel, a busybox initramfs, and an isolinux ISO holding both.
#
#   scripts/build-test-iso.sh [CACHE_DIR]     (default: .cache/test-image)
#
# Outputs CACHE_DIR/test.iso, CACHE_DIR/vmlinuz (bzImage) and
# CACHE_DIR/initrd.gz (the latter two for -kernel/-initrd boots).
# Only Debian packages are used (the only archive these machines reach).
# Idempotent: does nothing when the outputs exist and are newer than this script.
#
# The guest's init (busybox sh) prints "HORCRUX-TEST-GUEST READY" on ttyS0,
# then "HORCRUX-TEST-GUEST HEARTBEAT <n>" every second, and powers off on an
# ACPI power-button press. Kernel command line switches:
#   horcrux.spin=N   start N busy loops (CPU load for metrics tests)
#   horcrux.noacpi   ignore the power button (forced-stop tests)
set -euo pipefail

out="${1:-.cache/test-image}"
script="$(readlink -f "${BASH_SOURCE[0]}")"
mkdir -p "$out"
out="$(readlink -f "$out")"
iso="$out/test.iso"
kernel="$out/vmlinuz"
initrd="$out/initrd.gz"

# Load order matters: each module needs the ones before it (HOST.md).
modules=(virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci
  virtio_blk failover net_failover virtio_net button evdev)

print_outputs() {
  echo "iso: $iso"
  echo "kernel: $kernel"
  echo "initrd: $initrd"
}

up_to_date() {
  local f
  for f in "$iso" "$kernel" "$initrd"; do
    [[ -s "$f" && "$f" -nt "$script" ]] || return 1
  done
}

if up_to_date; then
  print_outputs
  exit 0
fi

# Several test files may build at once: one builds, the others wait for it.
exec 9>"$out/.lock"
flock 9
if up_to_date; then
  print_outputs
  exit 0
fi

need=()
for pkg in busybox-static isolinux syslinux-common xorriso cpio; do
  if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != *"install ok installed"* ]]; then
    need+=("$pkg")
  fi
done
if ((${#need[@]})); then
  echo "installing: ${need[*]}" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2; then
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
  fi
fi

# Newest linux-image-6.1.0-N-amd64 that has an installable candidate.
pick_kernel_pkg() {
  local name
  while read -r name; do
    # No `| grep -q` under pipefail: grep's early exit would fail the pipe.
    if [[ "$(apt-cache policy "$name" 2>/dev/null)" == *"Candidate: "[0-9]* ]]; then
      echo "$name"
      return 0
    fi
  done < <(apt-cache pkgnames linux-image-6.1.0- | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$' | sort -rV)
  return 1
}

debs="$out/debs"
mkdir -p "$debs"
kpkg="$(pick_kernel_pkg || true)"
if [[ -z "$kpkg" ]]; then
  apt-get update -q >&2
  kpkg="$(pick_kernel_pkg)" || { echo "no linux-image-6.1.0-*-amd64 package found in apt's lists" >&2; exit 1; }
fi
kdeb="$(ls "$debs/${kpkg}"_*.deb 2>/dev/null | head -n1 || true)"
if [[ -z "$kdeb" ]]; then
  echo "downloading $kpkg" >&2
  (cd "$debs" && apt-get download -q "$kpkg" >&2)
  kdeb="$(ls "$debs/${kpkg}"_*.deb | head -n1)"
fi

work="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT

dpkg -x "$kdeb" "$work/kpkg"
vmlinuz="$(ls "$work"/kpkg/boot/vmlinuz-* | head -n1)"
moddir="$(ls -d "$work"/kpkg/lib/modules/* | head -n1)"

root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for m in "${modules[@]}"; do
  ko="$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" | head -n1)"
  [[ -n "$ko" ]] || { echo "module $m not found in $kpkg" >&2; exit 1; }
  case "$ko" in
    *.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;
    *) cp "$ko" "$root/lib/modules/$m.ko" ;;
  esac
done
echo "${modules[*]}" >"$root/lib/modules/order"

cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

say() {
  echo "$*" >/dev/ttyS0 2>/dev/null
  [ -c /dev/tty0 ] && echo "$*" >/dev/tty0 2>/dev/null
  return 0
}

for m in $(cat /lib/modules/order); do
  insmod "/lib/modules/$m.ko" 2>/dev/null || say "HORCRUX-TEST-GUEST module $m failed to load"
done

cmdline="$(cat /proc/cmdline)"
spin=0
noacpi=0
for arg in $cmdline; do
  case "$arg" in
    horcrux.spin=*) spin="${arg#horcrux.spin=}" ;;
    horcrux.noacpi) noacpi=1 ;;
  esac
done

# struct input_event on x86_64: 16 bytes timeval, u16 type, u16 code, s32 value.
# EV_KEY is 1, KEY_POWER is 116.
# Reads fd 3, opened by the caller before READY is printed: evdev delivers events
# only to open readers, so a power-button press right after READY is not lost.
watch_power_button() {
  while :; do
    set -- $(dd bs=24 count=1 <&3 2>/dev/null | od -An -v -tu2)
    [ $# -ge 12 ] || continue
    if [ "$9" = 1 ] && [ "${10}" = 116 ]; then
      say "HORCRUX-TEST-GUEST POWER BUTTON, powering off"
      sync
      poweroff -f
    fi
  done
}

if [ "$noacpi" = 1 ]; then
  say "HORCRUX-TEST-GUEST ignoring the power button (horcrux.noacpi)"
else
  found=0
  for ev in /sys/class/input/event*; do
    [ -e "$ev/device/name" ] || continue
    case "$(cat "$ev/device/name")" in
      "Power Button")
        exec 3<"/dev/input/${ev##*/}"
        watch_power_button &
        found=1
        ;;
    esac
  done
  [ "$found" = 1 ] || say "HORCRUX-TEST-GUEST no power button input device"
fi

i=0
while [ "$i" -lt "$spin" ]; do
  ( while :; do :; done ) &
  i=$((i + 1))
done
[ "$spin" -gt 0 ] && say "HORCRUX-TEST-GUEST spinning $spin busy loops"

say "HORCRUX-TEST-GUEST READY"
n=0
while :; do
  n=$((n + 1))
  say "HORCRUX-TEST-GUEST HEARTBEAT $n"
  sleep 1
done
INIT
chmod 755 "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 >"$work/initrd.gz"
cp "$vmlinuz" "$work/vmlinuz"

isodir="$work/iso"
mkdir -p "$isodir/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$isodir/isolinux/"
cp "$work/vmlinuz" "$isodir/vmlinuz"
cp "$work/initrd.gz" "$isodir/initrd.gz"
cat >"$isodir/isolinux/isolinux.cfg" <<'CFG'
DEFAULT horcrux
PROMPT 0
TIMEOUT 0
LABEL horcrux
  KERNEL /vmlinuz
  APPEND initrd=/initrd.gz console=ttyS0 console=tty0
CFG
xorriso -as mkisofs -quiet -o "$work/test.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
  -no-emul-boot -boot-load-size 4 -boot-info-table "$isodir" >&2

# Move into place last, so an interrupted build never leaves a half output
# that looks up to date.
mv -f "$work/vmlinuz" "$kernel"
mv -f "$work/initrd.gz" "$initrd"
mv -f "$work/test.iso" "$iso"
echo "$kpkg" >"$out/kernel-package"
print_outputs
