#!/usr/bin/env bash
# The main job on this machine: installs what is missing, builds, brings up the lab (a real
# kubeadm v1.20.2 cluster: master-1, worker-1, worker-2, plus empty nodes master-2 and master-3),
# installs the kubeha-agent .deb on every node (dpkg, as users install it), and converts the single master to three masters
# behind local nginx proxies (examples/cluster.yaml) with `kubeha apply`, then prints the
# before/after. The lab stays up for you to look at; the last lines say how to take it down.
# Needs root. The first run builds the Kubernetes binaries (about 13 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export KUBEHA_LAB_ID=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
[[ $(id -u) -eq 0 ]] || { echo "demo: needs root (network and mount namespaces); run with sudo" >&2; exit 2; }

t0=$(date +%s)
step() { printf '\n=== %s (at %ss)\n' "$*" "$(( $(date +%s) - t0 ))"; }

step "prerequisites (apt packages; .NET SDK check)"
scripts/deps.sh
step "Kubernetes v1.20.2 binaries (cached in /var/cache/kubeha; the first build takes about 13 minutes)"
scripts/k8s-binaries.sh >/dev/null
step "build"
scripts/build.sh
step "package: the kubeha-agent .deb that every node installs (scripts/package.sh)"
scripts/package.sh --only agent --format deb --out artifacts/packages
version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props | head -n 1)
agent_deb="$repo/artifacts/packages/kubeha-agent_${version}_amd64.deb"

lab() { "$repo/lab/kubeha-lab" "$@"; }
inventory="$repo/examples/cluster.yaml"
state=/var/lib/kubeha-lab/coordinator
kubeha() { "$repo/artifacts/bin/kubeha" --state-dir "$state" "$@"; }

step "lab: one kubeadm master and two workers, plus two empty nodes for the new masters"
lab down >/dev/null 2>&1 || true
lab up --workers 2
lab add-node master-2
lab add-node master-3

step "agents: a KubeHa CA, then the kubeha-agent package and its own certificate on every node"
rm -rf "$state"
kubeha pki init
for node in $(lab nodes); do
  # dpkg -i into the node; its unit's ExecStart becomes the node's kubeha-agent service.
  lab install-deb "$node" "$agent_deb" >/dev/null
  ip=$(cat "/var/lib/kubeha-lab/nodes/$node/ip")
  dir="/var/lib/kubeha-lab/nodes/$node/etc-kubeha"
  kubeha pki issue-agent "$node" --ip "$ip" --out "$dir/pki" >/dev/null
  role=worker
  [[ $node == master-* ]] && role=master
  cat >"$dir/agent.yaml" <<YAML
node_name: $node
roles: [$role]
listen: $ip:7443
health_listen: $ip:7444
tls: { ca: /etc/kubeha/pki/ca.crt, cert: /etc/kubeha/pki/agent.crt, key: /etc/kubeha/pki/agent.key }
state_dir: /var/lib/kubeha
service_manager: lab
allowed_roots: [/etc/kubernetes, /etc/nginx, /etc/haproxy, /etc/keepalived, /etc/hosts, /etc/sysctl.d, /root/.kube, /var/lib/kubeha]
YAML
  lab exec "$node" -- svc start kubeha-agent
done
for node in $(lab nodes); do
  ip=$(cat "/var/lib/kubeha-lab/nodes/$node/ip")
  for _ in $(seq 1 120); do
    curl -fsS "http://$ip:7444/healthz" >/dev/null 2>&1 && break
    sleep 0.5
  done
done
kubeha agents -f "$inventory"

etcd_members() {
  lab exec master-1 -- env ETCDCTL_API=3 etcdctl --endpoints "https://$(cat /var/lib/kubeha-lab/nodes/master-1/ip):2379" \
    --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt \
    --key /etc/kubernetes/pki/etcd/healthcheck-client.key member list -w table
}
endpoints() {
  for node in $(lab nodes); do
    printf '  %-9s kubelet.conf -> %s\n' "$node" "$(grep -m1 'server:' "/var/lib/kubeha-lab/nodes/$node/etc-kubernetes/kubelet.conf" 2>/dev/null | awk '{print $2}' || echo '(not joined)')"
  done
}

step "before"
lab kubectl get nodes -o wide
endpoints
etcd_members

step "plan (dry run on every agent)"
kubeha validate -f "$inventory"
kubeha plan -f "$inventory" >"$state/plan.txt"
head -n 60 "$state/plan.txt"
echo "  ... (the whole plan with every file's diff: $state/plan.txt)"

step "convert: kubeha apply"
kubeha apply -f "$inventory" --yes

step "after"
lab kubectl get nodes -o wide
endpoints
etcd_members
lab kubectl -n kube-system get configmap kube-proxy -o jsonpath='{.data.kubeconfig\.conf}' | grep server:
lab kubectl -n kube-public get configmap cluster-info -o jsonpath='{.data.kubeconfig}' | grep server:

cat <<EOF

Done in $(( $(date +%s) - t0 )) s. The lab is still up:
  lab/kubeha-lab status                       nodes, processes, services
  lab/kubeha-lab kill master-1                lose the first master; kubectl through the endpoint keeps working:
  lab/kubeha-lab exec master-2 -- kubectl --kubeconfig /etc/kubernetes/admin.conf get nodes
  artifacts/bin/kubeha --state-dir $state runs     the journal of the conversion
Take it down with:
  sudo lab/kubeha-lab down
EOF
