namespace KubeHa.Coordinator.Planning;

/// <summary>Where kubeadm and the Debian packages keep things on a node (what the plan edits).</summary>
public static class NodePaths
{
    public const string Kubernetes = "/etc/kubernetes";
    public const string Pki = "/etc/kubernetes/pki";
    public const string CaCert = "/etc/kubernetes/pki/ca.crt";
    public const string Manifests = "/etc/kubernetes/manifests";
    public const string EtcdManifest = "/etc/kubernetes/manifests/etcd.yaml";
    public const string EtcdCa = "/etc/kubernetes/pki/etcd/ca.crt";
    public const string EtcdHealthcheckCert = "/etc/kubernetes/pki/etcd/healthcheck-client.crt";
    public const string EtcdHealthcheckKey = "/etc/kubernetes/pki/etcd/healthcheck-client.key";
    public const string KubeletConf = "/etc/kubernetes/kubelet.conf";
    public const string AdminConf = "/etc/kubernetes/admin.conf";
    public const string SuperAdminConf = "/etc/kubernetes/super-admin.conf";
    public const string ControllerManagerConf = "/etc/kubernetes/controller-manager.conf";
    public const string SchedulerConf = "/etc/kubernetes/scheduler.conf";
    public const string RootKubeconfig = "/root/.kube/config";
    public const string NginxConf = "/etc/nginx/nginx.conf";
    public const string HaproxyCfg = "/etc/haproxy/haproxy.cfg";
    public const string KeepalivedConf = "/etc/keepalived/keepalived.conf";
    public const string Hosts = "/etc/hosts";
    public const string SysctlFile = "90-kubeha.conf";
}
