#!/usr/bin/env bash
# The main job on the local machine. Until the lab conversion lands, this is the foundation's
# vertical slice: build, create a KubeHa CA, start three real agents on loopback with mutual
# TLS, list them with `kubeha agents`, and run an acknowledged step with an idempotent resubmit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh

work=$(mktemp -d /tmp/kubeha-demo.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

kubeha() { artifacts/bin/kubeha --state-dir "$work/coordinator" "$@"; }
kubeha pki init

inventory="$work/cluster.yaml"
cat >"$inventory" <<INV
cluster: demo
current_api_server: 127.0.0.11:6443
endpoint: { host: 127.0.0.1, port: 8443 }
load_balancer: { mode: local-nginx, listen_port: 8443 }
nodes:
INV
port=17443
for node in master-1 worker-1 worker-2; do
  role=worker; [[ $node == master-* ]] && role=master
  dir="$work/$node"
  kubeha pki issue-agent "$node" --ip 127.0.0.1 --out "$dir/pki" >/dev/null
  mkdir -p "$dir/root"
  cat >"$dir/agent.yaml" <<CFG
node_name: $node
roles: [$role]
listen: 127.0.0.1:$port
health_listen: 127.0.0.1:$((port + 1000))
tls: { ca: $dir/pki/ca.crt, cert: $dir/pki/agent.crt, key: $dir/pki/agent.key }
state_dir: $dir/state
allowed_roots: [$dir/root]
CFG
  artifacts/bin/kubeha-agent --config "$dir/agent.yaml" >"$dir/agent.log" 2>&1 &
  pids+=($!)
  echo "  - { name: $node, address: 127.0.0.$(( ${#pids[@]} + 10 )), role: $role, agent: 127.0.0.1:$port }" >>"$inventory"
  port=$((port + 1))
done
# The demo inventory has one master: allow the etcd count override explicitly.
echo "allow_unsafe_etcd_count: true" >>"$inventory"

for i in $(seq 50); do
  curl -sf http://127.0.0.1:18443/healthz >/dev/null && curl -sf http://127.0.0.1:18445/healthz >/dev/null && break
  sleep 0.2
done

echo "== kubeha agents"
kubeha agents -f "$inventory"
echo "== kubeha exec-step (submit, acknowledgement, progress, result)"
kubeha exec-step -f "$inventory" --node master-1 --run-id demo --step-id noop-1 noop --progress 3
echo "== the same step id again: replayed, not executed twice"
kubeha exec-step -f "$inventory" --node master-1 --run-id demo --step-id noop-1 noop --progress 3
