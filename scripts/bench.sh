#!/usr/bin/env bash
# KubeHa benchmarks (issue 9; results in bench/RESULTS.md). Builds bench/KubeHa.Bench in
# Release and runs it: fan-out of a kubeconfig endpoint switch on N nodes against Ansible,
# step acknowledgement latency and throughput, agent footprint and start-up, drift latency.
# Prints JSON, then a Markdown table. Needs ansible-playbook (Debian: ansible-core) for the
# Ansible comparison; loopback only, no root needed.
#
# usage: scripts/bench.sh [--nodes 10,100,1000] [--ansible-max-nodes 100] [--ack-steps 10000]
#          [--concurrency 64] [--idle-seconds 60] [--starts 5] [--drift-edits 50]
#          [--only fanout,ack,agent,drift] [--work DIR] [--json FILE] [--markdown FILE]
#          [--aot]
# --aot publishes the agent with Native AOT (clang from Debian's `clang` package, which
# scripts/deps.sh installs) into artifacts/bench-aot and measures that executable for the agent
# start-up/idle/ack/drift figures (the fan-out's hosted agents stay JIT). KUBEHA_BENCH_AGENT=/path
# measures any other published kubeha-agent instead of `dotnet kubeha-agent.dll`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "bench: ansible-playbook not found (apt install ansible-core, or scripts/deps.sh as root)" >&2
  exit 2
fi

# Each hosted agent holds an inotify instance (drift watcher): N=1000 needs more than the default 128.
limit=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)
if ((limit < 2048)); then
  echo "bench: fs.inotify.max_user_instances is $limit; the 1000-node fan-out needs ~1100 (sysctl -w fs.inotify.max_user_instances=8192)" >&2
fi

args=()
for a in "$@"; do
  if [[ $a == --aot ]]; then
    command -v clang >/dev/null || { echo "bench: --aot needs clang (apt install clang, or scripts/deps.sh as root)" >&2; exit 2; }
    echo "bench: publishing the agent with Native AOT into artifacts/bench-aot" >&2
    # A separate artifacts path keeps this RID-specific build away from the normal build's obj/.
    dotnet publish src/Agent/KubeHa.Agent.csproj -c Release -r linux-x64 -p:PublishAot=true \
      --artifacts-path artifacts/bench-aot-build -o artifacts/bench-aot -nologo -v quiet -clp:ErrorsOnly >&2
    export KUBEHA_BENCH_AGENT=$repo/artifacts/bench-aot/kubeha-agent
  else
    args+=("$a")
  fi
done

dotnet build bench/KubeHa.Bench -c Release -nologo -v quiet -clp:ErrorsOnly >&2
exec dotnet bench/KubeHa.Bench/bin/Release/net10.0/KubeHa.Bench.dll run "${args[@]}"
