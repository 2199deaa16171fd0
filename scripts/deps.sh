#!/usr/bin/env bash
# Installs every Debian package KubeHa's build, tests, lab and demo need (Debian 12 /
# Ubuntu), and checks the .NET SDK. Idempotent and quiet when all is present.
set -euo pipefail

packages=(
  # test and lab programs, all real
  nginx libnginx-mod-stream haproxy keepalived etcd-server etcd-client openssl
  iproute2 iptables procps psmisc util-linux curl ca-certificates kmod
  # the test summary names failed tests from the TRX files
  python3
  # packaging (scripts/package.sh and its tests): dpkg-deb, rpmbuild, lintian,
  # systemd-analyze, deb-systemd-helper, readelf
  dpkg-dev rpm lintian fakeroot systemd init-system-helpers binutils
  # benchmarks (scripts/bench.sh): the Ansible comparison (ansible-playbook, builtin modules),
  # and clang, the linker driver of the Native AOT agent build (bench.sh --aot)
  ansible-core clang
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps: missing packages (${missing[*]}); run as root to install them" >&2
    exit 2
  fi
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts these on install; tests run their own instances.
  for svc in nginx haproxy keepalived etcd; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
      systemctl disable --now "$svc" >/dev/null 2>&1 || true
    else
      pkill -x "$svc" 2>/dev/null || true
    fi
  done
fi

# The .NET SDK: the version pinned in global.json (10.0.x) must be present.
if ! command -v dotnet >/dev/null 2>&1; then
  echo "deps: the .NET 10 SDK is not installed (dotnet not on PATH). Install the dotnet-sdk-10.0 package from Microsoft's package feed for your distribution, then re-run." >&2
  exit 2
fi
if ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "deps: .NET SDK 10.0 required (global.json); found: $(dotnet --list-sdks | tr '\n' ' ')" >&2
  exit 2
fi
