#!/usr/bin/env bash
# Runs the Lab test category (root): a real kubeadm v1.20.2 cluster in network namespaces,
# brought up once, exercised, and taken down (see lab/README.md). About 3 minutes and 1 GiB of
# memory on 2 cores once the Kubernetes binaries are cached; the first run builds them
# (scripts/k8s-binaries.sh, about 11-15 minutes).
#   scripts/test-lab.sh [extra dotnet test arguments]
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
if [[ $(id -u) -ne 0 ]]; then
  echo "test-lab: the Lab tests need root (network and mount namespaces); run with sudo" >&2
  exit 2
fi
"$repo/scripts/k8s-binaries.sh" >/dev/null
status=0
dotnet test "$repo/tests/KubeHa.Lab.Tests" --filter "Category=Lab" "$@" || status=$?
# Whatever happened, leave no lab behind.
"$repo/lab/kubeha-lab" down || status=1
exit "$status"
