#!/usr/bin/env bash
# The whole test suite: what README names and .ci/run calls. Installs its own prerequisites.
# Phases run in order, each timed: deps, k8s-binaries, build, package (DEB/RPM), unit (no root),
# root (real nginx/haproxy/keepalived/etcd/openssl, packaging), lab (network namespaces +
# Kubernetes binaries). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

results=artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
suite_start=$(date +%s)
declare -a summary=()

phase() { # name, command...
  local name=$1; shift
  local t0=$(date +%s)
  echo "=== phase $name" >&2
  local rc=0
  "$@" || rc=$?
  local dt=$(( $(date +%s) - t0 ))
  summary+=("$(printf '%-12s %5ss  %s' "$name" "$dt" "$([[ $rc -eq 0 ]] && echo ok || echo "FAILED ($rc)")")")
  return $rc
}

if [[ $(id -u) -ne 0 ]]; then
  echo "test: the root and lab phases need root (network namespaces, real services); run as root" >&2
  exit 2
fi

run_tests() { # category filter, label, [extra dotnet test arguments]
  local filter=$1 label=$2
  shift 2
  dotnet test KubeHa.sln -c Release --no-build --nologo "$@" \
    --filter "$filter" \
    --logger "trx;LogFilePrefix=$label" --results-directory "$results" \
    -- RunConfiguration.TestSessionTimeout=2400000
}

overall=0
phase deps scripts/deps.sh || overall=1
# Kubernetes v1.20.2 test binaries, cached outside the repo (first build about 13 min on 2 cores).
phase k8s-binaries scripts/k8s-binaries.sh || overall=1
phase build scripts/build.sh || { overall=1; }
# The DEB and RPM packages, once, with the real command: the packaging tests check them and the
# end-to-end lab installs its agents from the kubeha-agent .deb (KUBEHA_PACKAGES_DIR).
if [[ $overall -eq 0 ]]; then
  phase package scripts/package.sh --out artifacts/packages || overall=1
  export KUBEHA_PACKAGES_DIR=$PWD/artifacts/packages
fi
if [[ $overall -eq 0 ]]; then
  phase unit run_tests "Category!=Root&Category!=Lab" unit || overall=1
  phase root run_tests "Category=Root" root || overall=1
  # One lab test project at a time (each brings up its own lab, ids 0-3): on 2 cores, labs
  # side by side slow each other past their timeouts.
  phase lab run_tests "Category=Lab" lab -m:1 || overall=1
fi
# Whatever happened, leave no lab behind (the fixtures take their labs down; this is the net).
for id in 0 1 2 3 4 5 6 7 8 9; do
  if [[ -d /run/kubeha-lab$([[ $id == 0 ]] || echo "-$id") ]]; then
    KUBEHA_LAB_ID=$id lab/kubeha-lab down || overall=1
  fi
done

# Totals from the TRX files.
passed=0; failed=0; skipped=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  p=$(get passed); f=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0}))
  skipped=$((skipped + ${t:-0} - ${x:-0}))
done

# Name every failed test at the end, where a tail of the log still shows it.
for trx in "$results"/*.trx; do
  python3 - "$trx" <<'PY' || echo "test: could not read $trx" >&2
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
for r in root.iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") in ("Failed", "Error"):
        msg = r.find("t:Output/t:ErrorInfo/t:Message", ns)
        text = (msg.text or "").strip().splitlines() if msg is not None else []
        print(f"FAILED {r.get('testName')}: {text[0][:300] if text else ''}")
PY
done

echo
echo "phase        time   result"
printf '%s\n' "${summary[@]}"
echo "total        $(( $(date +%s) - suite_start ))s"
if (( passed + failed == 0 )); then
  echo "test: no test ran" >&2
  overall=1
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
if (( failed > 0 )); then overall=1; fi
exit $overall
