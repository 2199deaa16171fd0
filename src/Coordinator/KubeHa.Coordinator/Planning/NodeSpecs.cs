using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>Specs of the service, static pod and kubeadm actions.</summary>
public static class NodeSpecs
{
    public static StepSpec Service(string name, ServiceOperation operation) =>
        new() { Service = new ServiceAction { Name = name, Operation = operation } };

    /// <summary>
    /// Restarts a control-plane static pod and waits for its health: kube-apiserver's /readyz on
    /// <paramref name="address"/> verified against the cluster CA; the controller-manager and the
    /// scheduler serve only self-signed certificates in kubeadm v1.20 (insecure ports off), so their
    /// secure port accepting connections is the health signal; etcd's client port likewise (the
    /// etcd health gate that follows checks it for real).
    /// </summary>
    public static StepSpec RestartStaticPod(string component, string address)
    {
        var health = component switch
        {
            "kube-apiserver" => new ProbeAction
            {
                Kind = ProbeKind.Https, Host = address, Port = 6443, ServerName = address, CaFile = NodePaths.CaCert,
                Path = "/readyz", ExpectedStatus = 200, TimeoutMs = 3000,
            },
            "kube-controller-manager" => new ProbeAction { Kind = ProbeKind.Tcp, Host = "127.0.0.1", Port = 10257, TimeoutMs = 3000 },
            "kube-scheduler" => new ProbeAction { Kind = ProbeKind.Tcp, Host = "127.0.0.1", Port = 10259, TimeoutMs = 3000 },
            "etcd" => new ProbeAction { Kind = ProbeKind.Tcp, Host = address, Port = 2379, TimeoutMs = 3000 },
            _ => throw new ArgumentException($"no health check known for static pod {component}", nameof(component)),
        };
        return new StepSpec
        {
            StaticPodRestart = new StaticPodRestartAction
            {
                Component = component, ManifestsDir = NodePaths.Manifests, Health = health, ReadyTimeoutMs = 180_000,
            },
        };
    }

    /// <summary>A bootstrap token and an uploaded-certificates key from the first master (secret outputs), and the CA hash.</summary>
    public static StepSpec JoinMaterial() => new() { KubeadmJoinMaterial = new KubeadmJoinMaterialAction { UploadCerts = true, TokenTtl = "2h" } };

    /// <summary>
    /// `kubeadm join --control-plane` through the endpoint. Token, certificate key and CA hash
    /// are filled at run time from the join-material step (see StepInputs), never planned.
    /// </summary>
    public static StepSpec Join(string endpoint, string nodeName, string advertiseAddress, IEnumerable<string> ignorePreflightErrors) => new()
    {
        KubeadmJoin = new KubeadmJoinAction
        {
            ApiServerEndpoint = endpoint, ControlPlane = true, NodeName = nodeName, AdvertiseAddress = advertiseAddress, BindPort = 6443,
            IgnorePreflightErrors = { ignorePreflightErrors }, TimeoutSeconds = 600,
        },
    };
}
