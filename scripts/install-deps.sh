#!/usr/bin/env bash
# scripts/install-deps.sh — installs the Debian 12 packages Roentgen needs to build, test and run
# its integration tests. This list is the only place they are named.
#
# Idempotent: asks dpkg which packages are missing and does nothing (not even `apt-get update`)
# when none are. Uses sudo only when not already root. Never prompts.
#
# Usage: scripts/install-deps.sh           install whatever is missing
#        scripts/install-deps.sh --check   exit 1 and name the missing packages, install nothing
#        scripts/install-deps.sh --list    print the package list, one per line
set -euo pipefail

PACKAGES=(
  # Toolchain and build.
  build-essential cmake ninja-build clang-format pkg-config
  # Libraries (each has one home folder; see tools/check_layering.py).
  libboost-dev libsimdjson-dev rapidjson-dev liblmdb-dev libzstd-dev libcli11-dev
  libspdlog-dev libfmt-dev
  # Unit tests and benchmarks.
  libgtest-dev libgmock-dev libbenchmark-dev
  # Integration tests and tools: real clients, always run as /usr/bin/python3 and /usr/bin/aws.
  python3 awscli python3-boto3 python3-aws-xray-sdk
)

is_installed() {
  [[ "$(dpkg-query --show --showformat='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
  is_installed "$package" || missing+=("$package")
done

case "${1:-}" in
  --list)
    printf '%s\n' "${PACKAGES[@]}"
    exit 0
    ;;
  --check)
    if ((${#missing[@]} > 0)); then
      echo "install-deps: missing: ${missing[*]}" >&2
      exit 1
    fi
    echo "install-deps: all ${#PACKAGES[@]} packages are installed"
    exit 0
    ;;
  "") ;;
  *)
    echo "usage: $0 [--check | --list]" >&2
    exit 2
    ;;
esac

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages are installed"
  exit 0
fi

as_root=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null; then
    echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  as_root=(sudo)
fi

echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  "${missing[@]}"

# Verify: a package apt silently skipped would otherwise surface later as a confusing error.
still_missing=()
for package in "${missing[@]}"; do
  is_installed "$package" || still_missing+=("$package")
done
if ((${#still_missing[@]} > 0)); then
  echo "install-deps: still missing after apt-get install: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-deps: done"
