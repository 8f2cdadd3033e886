#!/usr/bin/env bash
# Installs the Debian packages flashkit needs, only those missing. Idempotent.
set -euo pipefail

pkgs=(
  build-essential cmake pkg-config
  gcc-xtensa-lx106 picolibc-xtensa-lx106-elf binutils-xtensa-lx106 qemu-system-misc gcc-arm-none-eabi libnewlib-arm-none-eabi
  libmbedtls-dev libcurl4-openssl-dev
  nginx-light kconfig-frontends tmux python3 curl openssl clang help2man
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# A python3 outside Debian's (e.g. pyenv) is fine for `python3 -m http.server`.
if command -v python3 >/dev/null 2>&1; then
  tmp=()
  for p in "${missing[@]}"; do [ "$p" = python3 ] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
