using KubeHa.Protos.Agent.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>Specs of the service, static pod and kubeadm actions.</summary>
public static class NodeSpecs
{
    public static StepSpec Service(string name, string operation) => new() { Service = new ServiceAction() };

    public static StepSpec RestartStaticPod(string component) => new() { StaticPodRestart = new StaticPodRestartAction() };

    public static StepSpec JoinMaterial() => new() { KubeadmJoinMaterial = new KubeadmJoinMaterialAction() };

    public static StepSpec Join(string endpoint, string advertiseAddress) => new() { KubeadmJoin = new KubeadmJoinAction() };
}
