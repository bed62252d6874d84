#!/usr/bin/env bash
# Installs the Debian packages Horcrux needs on this host: QEMU for the agent, and,
# with --test, what the test suite drives (Chromium, PostgreSQL, the test-image tools).
# Needs root; installs only what is missing.
set -euo pipefail

runtime=(qemu-system-x86 qemu-utils ovmf openssl ca-certificates)
testing=(chromium fonts-dejavu-core postgresql isolinux syslinux-common xorriso busybox-static cpio xz-utils websockify prometheus python3-proxmoxer python3-requests ansible)

want=("${runtime[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${testing[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  echo "run as root, or install them: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
