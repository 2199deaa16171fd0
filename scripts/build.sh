#!/usr/bin/env bash
# Builds everything (Release) and leaves runnable artifacts/bin/kubeha and artifacts/bin/kubeha-agent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
start=$(date +%s)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build KubeHa.sln -c Release -nologo -clp:ErrorsOnly
dotnet publish src/Agent/KubeHa.Agent.csproj -c Release --no-build -o artifacts/publish/agent -nologo -v quiet
dotnet publish src/Coordinator/KubeHa.Cli/KubeHa.Cli.csproj -c Release --no-build -o artifacts/publish/cli -nologo -v quiet
mkdir -p artifacts/bin
ln -sfn ../publish/agent/kubeha-agent artifacts/bin/kubeha-agent
ln -sfn ../publish/cli/kubeha artifacts/bin/kubeha
artifacts/bin/kubeha-agent --version >/dev/null
artifacts/bin/kubeha version >/dev/null
echo "build: done in $(( $(date +%s) - start )) s: artifacts/bin/kubeha, artifacts/bin/kubeha-agent" >&2
