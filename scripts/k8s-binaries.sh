#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler and kubeadm v1.20.2 from
# Debian's `kubernetes` source package and caches them outside the repository.
# Idempotent: a second run with a complete cache returns at once.
#   KUBEHA_K8S_CACHE  cache directory (default /var/cache/kubeha/k8s-v1.20.2)
# Prints the cache directory's bin path on its last line.
set -euo pipefail

cache="${KUBEHA_K8S_CACHE:-/var/cache/kubeha/k8s-v1.20.2}"
bins=(kube-apiserver kube-controller-manager kube-scheduler kubeadm)

complete() {
  local b
  for b in "${bins[@]}"; do
    [[ -s "$cache/bin/$b" && -x "$cache/bin/$b" ]] || return 1
  done
  "$cache/bin/kubeadm" version -o short >/dev/null 2>&1
}

if complete; then
  echo "k8s binaries: cached in $cache/bin" >&2
  echo "$cache/bin"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "k8s-binaries: building needs root (apt-get); run as root" >&2
  exit 2
fi

start=$(date +%s)
echo "k8s binaries: not cached; building v1.20.2 from Debian's source package (about 13 minutes on 2 cores)" >&2

# deb-src for the configured Debian mirror, derived from the existing deb entry.
src_list=/etc/apt/sources.list.d/kubeha-deb-src.sources
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  suite=$(awk '/^Suites:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  uri=${uri:-http://deb.debian.org/debian}
  suite=${suite:-bookworm}
  cat >"$src_list" <<SRC
Types: deb-src
URIs: $uri
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go rsync dpkg-dev golang-github-modern-go-reflect2-dev >/dev/null

work="$cache/src"
mkdir -p "$work"
cd "$work"
tree=$(find . -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
if [[ -z "$tree" ]]; then
  apt-get source -qq kubernetes >/dev/null
  tree=$(find . -maxdepth 1 -type d -name 'kubernetes-*' | head -n 1)
fi
[[ -n "$tree" ]] || { echo "k8s-binaries: apt-get source kubernetes gave no source tree in $work" >&2; exit 1; }
cd "$tree"

# Trap 1: vendored reflect2 v1.0.1 crashes under Go >= 1.18; use Debian's 1.0.2 sources.
r2=vendor/github.com/modern-go/reflect2
deb_r2=/usr/share/gocode/src/github.com/modern-go/reflect2
find "$r2" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) -delete
find "$deb_r2" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' -exec cp {} "$r2/" \;

# Trap 2: a failed earlier build leaves zero-byte generators in _output.
rm -rf _output
export HOME="$cache/home" GOFLAGS=-mod=vendor CGO_ENABLED=0 KUBE_GIT_VERSION=v1.20.2
mkdir -p "$HOME"
make WHAT="cmd/kube-apiserver cmd/kubeadm cmd/kube-controller-manager cmd/kube-scheduler" >"$cache/build.log" 2>&1 || {
  echo "k8s-binaries: make failed; last lines of $cache/build.log:" >&2
  tail -n 30 "$cache/build.log" >&2
  exit 1
}
mkdir -p "$cache/bin"
for b in "${bins[@]}"; do
  install -m 0755 "_output/local/go/bin/$b" "$cache/bin/$b.tmp"
  mv -f "$cache/bin/$b.tmp" "$cache/bin/$b"
done
rm -rf _output
complete || { echo "k8s-binaries: built binaries do not run (kubeadm version failed)" >&2; exit 1; }
echo "k8s binaries: built in $(( $(date +%s) - start )) s, cached in $cache/bin" >&2
echo "$cache/bin"
