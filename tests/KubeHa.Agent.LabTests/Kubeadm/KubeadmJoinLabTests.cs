using System.Text;
using KubeHa.Agent.LabTests.Fixture;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using KubeHa.TestSupport.Lab;

namespace KubeHa.Agent.LabTests.Kubeadm;

/// <summary>
/// A second control-plane node through the agents and the real kubeadm: controlPlaneEndpoint
/// uploaded and join material made on master-1, `kubeadm join` on a fresh master-2.
/// </summary>
[Collection(AgentLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class KubeadmJoinLabTests(AgentLab lab)
{
    private const string Master = AgentLab.Master;
    private const string NewMaster = "master-2";

    [LabFact]
    public async Task Join_SecondControlPlaneThroughAgents_TwoEtcdMembersHealthyApiServerSecretsNeverLogged()
    {
        lab.RequireUp();
        if (!(await LabCli.RunAsync(TimeSpan.FromSeconds(20), "nodes")).Stdout.Contains(NewMaster, StringComparison.Ordinal))
        {
            await lab.TimedAsync("add-node master-2", async () => Assert.Equal(0, (await LabCli.RunAsync(TimeSpan.FromMinutes(3), "add-node", NewMaster)).ExitCode));
        }

        await lab.TimedAsync("agent on master-2", () => lab.Agents.StartAsync(NewMaster, AgentLab.Settings));
        var newIp = (await File.ReadAllTextAsync(Path.Combine(LabCli.NodeDir(NewMaster), "ip"))).Trim();
        await using var master = new AgentSteps(lab.Agents, Master, "join");
        await using var joiner = new AgentSteps(lab.Agents, NewMaster, "join");
        var init = await File.ReadAllTextAsync(Path.Combine(LabCli.NodeDir(Master), "kubeadm-init.yaml"));
        var endpoint = $"{LabCli.Ip(11)}:6443";

        var upload = await master.ApplyAsync("upload-config", new StepSpec
        {
            KubeadmUploadConfig = new KubeadmUploadConfigAction { Config = init.Replace("kubernetesVersion: v1.20.2", $"kubernetesVersion: v1.20.2\ncontrolPlaneEndpoint: {endpoint}", StringComparison.Ordinal) },
        });
        var material = await master.ApplyAsync("material", new StepSpec { KubeadmJoinMaterial = new KubeadmJoinMaterialAction { UploadCerts = true } });
        Assert.True(upload.Outcome == StepOutcome.Succeeded, upload.Reason);
        Assert.True(material.Outcome == StepOutcome.Succeeded, material.Reason);
        var token = material.SecretOutputs["token"];
        var key = material.SecretOutputs["certificate_key"];
        var join = new KubeadmJoinAction
        {
            ApiServerEndpoint = endpoint,
            Token = token,
            CaCertHashes = { material.Outputs["ca_cert_hash"] },
            ControlPlane = true,
            CertificateKey = key,
            AdvertiseAddress = newIp,
            CriSocket = "/run/containerd/containerd.sock",
            IgnorePreflightErrors = { "all" },
        };

        StepResult joined = null!;
        await lab.TimedAsync("kubeadm join --control-plane through the agent", async () => joined = await joiner.ApplyAsync("join", new StepSpec { KubeadmJoin = join }));
        var again = await joiner.ApplyAsync("join-again", new StepSpec { KubeadmJoin = join });
        var health = await joiner.ApplyAsync("readyz", new StepSpec
        {
            Probe = new ProbeAction { Kind = ProbeKind.Https, Host = newIp, Port = 6443, Path = "/readyz", CaFile = "/etc/kubernetes/pki/ca.crt", Attempts = 60, IntervalMs = 2000 },
        });
        var members = await LabCli.ExecAsync(Master, "etcdctl", "--endpoints", $"https://{LabCli.Ip(11)}:2379",
            "--cacert", "/etc/kubernetes/pki/etcd/ca.crt", "--cert", "/etc/kubernetes/pki/etcd/healthcheck-client.crt",
            "--key", "/etc/kubernetes/pki/etcd/healthcheck-client.key", "member", "list");

        Assert.True(joined.Outcome == StepOutcome.Succeeded, joined.Reason);
        Assert.Equal([$"joined {NewMaster} to the cluster through {endpoint} as a control-plane node"], joined.Effects);
        Assert.True(again.Outcome == StepOutcome.Succeeded, again.Reason);
        Assert.False(again.Changed);
        Assert.True(health.Outcome == StepOutcome.Succeeded, health.Reason);
        Assert.Equal(2, members.Stdout.Split('\n').Count(l => l.Contains(", started, ", StringComparison.Ordinal)));
        Assert.Contains($"started, {NewMaster}, https://{newIp}:2380", members.Stdout, StringComparison.Ordinal);
        Assert.Equal(await OpensslCaHashAsync(), material.Outputs["ca_cert_hash"]);
        AssertSecretsNowhereButPrivateRecords(token, key, material, joined);
    }

    /// <summary>The pin as kubeadm's documentation computes it, with openssl.</summary>
    private static async Task<string> OpensslCaHashAsync()
    {
        var ca = Path.Combine(LabCli.NodeDir(Master), "etc-kubernetes", "pki", "ca.crt");
        var result = await LabCli.RunProgramAsync("/bin/sh", TimeSpan.FromSeconds(30), "-c",
            $"openssl x509 -pubkey -noout -in '{ca}' | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1");
        Assert.True(result.ExitCode == 0, result.Describe("openssl pin"));
        return "sha256:" + result.Stdout.Trim();
    }

    private static void AssertSecretsNowhereButPrivateRecords(string token, string key, params StepResult[] results)
    {
        foreach (var result in results)
        {
            var visible = string.Join('\n', [result.Reason, .. result.Effects, .. result.Outputs.Values]);
            Assert.DoesNotContain(token, visible, StringComparison.Ordinal);
            Assert.DoesNotContain(key, visible, StringComparison.Ordinal);
        }

        var secretPart = token[7..];
        foreach (var node in new[] { Master, NewMaster })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(LabCli.NodeDir(node), "log"), "*", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file, Encoding.UTF8);
                Assert.False(text.Contains(secretPart, StringComparison.Ordinal), $"the bootstrap token appears in {file}");
                Assert.False(text.Contains(key, StringComparison.Ordinal), $"the certificate key appears in {file}");
            }

            var state = Path.Combine(LabCli.NodeDir(node), "var-lib-kubeha");
            foreach (var file in Directory.EnumerateFiles(state, "*", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file, Encoding.Latin1);
                if (text.Contains(secretPart, StringComparison.Ordinal) || text.Contains(key, StringComparison.Ordinal))
                {
                    Assert.True(File.GetUnixFileMode(file) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), $"{file} holds a secret with mode {File.GetUnixFileMode(file)}");
                    Assert.Contains($"{Path.DirectorySeparatorChar}steps{Path.DirectorySeparatorChar}", file, StringComparison.Ordinal);
                }
            }

            var tmp = Path.Combine(state, "tmp");
            Assert.True(!Directory.Exists(tmp) || !Directory.EnumerateFileSystemEntries(tmp).Any(), $"left-over JoinConfiguration under {tmp}");
        }
    }
}
