using System.Diagnostics;
using KubeHa.Protos.Agent.V1;
using KubeHa.TestSupport;
using Xunit.Abstractions;

namespace KubeHa.Coordinator.LabTests.Drift;

/// <summary>
/// Node-level rules of the issue's second lab check, each through the real agent and the real
/// `kubeha serve`: an API server certificate re-issued (by kubeadm, as an operator's renewal
/// would) without the endpoint SAN KubeHa had added, and a stopped haproxy that KubeHa
/// configured. What each test changes is rolled back through the agent at its end.
/// </summary>
[Collection(ClusterLabGroup.Name)]
[Trait(Categories.Name, Categories.Lab)]
public sealed class NodeRuleDriftLabTests(ClusterLab lab, ITestOutputHelper output)
{
    [LabFact]
    public async Task ApiServerCertificate_ReissuedByKubeadmWithoutEndpointSan_Reported()
    {
        lab.RequireUp();
        const string node = "master-1";
        const string certPath = "/etc/kubernetes/pki/apiserver.crt";
        var sanId = $"{node}/certificate_san/{certPath}";
        await using var rig = new DriftRig(output, nameof(ApiServerCertificate_ReissuedByKubeadmWithoutEndpointSan_Reported));
        var pki = Path.Combine(LabCli.NodeDir(node), "etc-kubernetes", "pki");
        var originalCrt = await File.ReadAllBytesAsync(Path.Combine(pki, "apiserver.crt"));
        var originalKey = await File.ReadAllBytesAsync(Path.Combine(pki, "apiserver.key"));
        await rig.Serve.StartAsync();
        await rig.Agents.StartAsync(node, DriftRig.Settings(60, $"endpoint: https://{DriftRig.EndpointHost}:8443"));

        // kubeadm's own certificate has no endpoint SAN yet: the built-in rule says so.
        await rig.WaitStoreAsync("kubeadm's certificate reported without the endpoint SAN", TimeSpan.FromSeconds(30),
            items => items.Any(i => i.Item.Id == sanId && i.Item.Source == "rule:apiserver-certificate-san"));
        var issue = await rig.ApplyAsync(node, "apiserver-cert", new StepSpec { ApiserverCertificate = new ApiServerCertificateAction { AddSans = { DriftRig.EndpointHost }, KeepKey = true } });
        try
        {
            Assert.True(issue.Outcome == StepOutcome.Succeeded, issue.Reason);
            Assert.True(issue.Changed);
            await rig.WaitStoreAsync("SAN item closed once KubeHa re-issued the certificate", TimeSpan.FromSeconds(15), items => items.All(i => i.Item.Id != sanId));

            var watch = Stopwatch.StartNew();
            var kubeadm = await LabCli.ExecAsync(node, "sh", "-c",
                $"rm -f {certPath} /etc/kubernetes/pki/apiserver.key && kubeadm init phase certs apiserver --config {LabCli.NodeDir(node)}/kubeadm-init.yaml");
            Assert.True(kubeadm.ExitCode == 0, kubeadm.Describe("kubeadm init phase certs apiserver"));
            // kubeadm removes the file, creates it and then writes it: a check can land in between
            // and report it missing or unreadable for a moment. kubeadm's writes wake the agent
            // again, and a later check must report the re-issued certificate against the applied step.
            await rig.WaitStoreAsync("certificate re-issued without the endpoint SAN reported against the applied step", TimeSpan.FromSeconds(15),
                items => items.Any(i => i.Item.Id == sanId && i.Item.Source == $"applied:{rig.RunId}/apiserver-cert" &&
                                        i.Item.Actual.Contains("master-1", StringComparison.Ordinal)));
            rig.Log($"kubeadm re-issue -> stored by the daemon: {watch.Elapsed.TotalMilliseconds:0} ms");

            var item = (await rig.DriftJsonAsync()).Single(e => e.GetProperty("id").GetString() == sanId);
            Assert.Equal("certificate_san", item.GetProperty("kind").GetString());
            Assert.Equal($"applied:{rig.RunId}/apiserver-cert", item.GetProperty("source").GetString());
            Assert.Contains(DriftRig.EndpointHost, item.GetProperty("expected").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain(DriftRig.EndpointHost, item.GetProperty("actual").GetString(), StringComparison.Ordinal);
            Assert.Contains("master-1", item.GetProperty("actual").GetString(), StringComparison.Ordinal);
            Assert.True(item.GetProperty("correctable").GetBoolean());
        }
        finally
        {
            var undo = await rig.RollbackAsync(node, "apiserver-cert");
            await RestoreAsync(Path.Combine(pki, "apiserver.crt"), originalCrt);
            await RestoreAsync(Path.Combine(pki, "apiserver.key"), originalKey);
            Assert.True(undo.Outcome == StepOutcome.Succeeded, undo.Reason);
        }
    }

    [LabFact]
    public async Task Haproxy_ConfiguredByKubeHaThenStopped_Reported()
    {
        lab.RequireUp();
        const string node = "worker-2";
        const string id = $"{node}/service_inactive/haproxy";
        await using var rig = new DriftRig(output, nameof(Haproxy_ConfiguredByKubeHaThenStopped_Reported));
        var cfg = Path.Combine(LabCli.NodeDir(node), "etc-haproxy", "haproxy.cfg");
        var original = File.Exists(cfg) ? await File.ReadAllBytesAsync(cfg) : null;
        await rig.Serve.StartAsync();
        await rig.Agents.StartAsync(node, DriftRig.Settings("worker", checkIntervalSeconds: 2));

        var config = await rig.ApplyAsync(node, "haproxy-config", new StepSpec
        {
            HaproxyConfig = new HaproxyConfigAction { BindAddress = "127.0.0.1", BindPort = 8443, Backends = { new LbBackend { Name = "master-1", Address = LabCli.Ip(11), Port = 6443 } } },
        });
        StepResult? start = null;
        try
        {
            Assert.True(config.Outcome == StepOutcome.Succeeded, config.Reason);
            start = await rig.ApplyAsync(node, "haproxy-start", new StepSpec { Service = new ServiceAction { Name = "haproxy", Operation = ServiceOperation.Start } });
            Assert.True(start.Outcome == StepOutcome.Succeeded, start.Reason);
            Assert.Equal(0, (await LabCli.ExecAsync(node, "svc", "is-active", "haproxy")).ExitCode);
            await rig.WaitStoreAsync("haproxy running: nothing open on worker-2", TimeSpan.FromSeconds(15), items => items.All(i => i.Item.Node != node));

            var watch = Stopwatch.StartNew();
            var stop = await LabCli.ExecAsync(node, "svc", "stop", "haproxy");
            Assert.True(stop.ExitCode == 0, stop.Describe("svc stop haproxy"));
            await rig.WaitStoreAsync("stopped haproxy reported", TimeSpan.FromSeconds(15), items => items.Any(i => i.Item.Id == id));
            rig.Log($"svc stop haproxy -> stored by the daemon: {watch.Elapsed.TotalMilliseconds:0} ms (periodic check every 2 s)");

            var item = (await rig.DriftJsonAsync()).Single(e => e.GetProperty("id").GetString() == id);
            Assert.Equal("service_inactive", item.GetProperty("kind").GetString());
            Assert.Equal("active", item.GetProperty("expected").GetString());
            Assert.Equal("not running", item.GetProperty("actual").GetString());
            Assert.Equal($"applied:{rig.RunId}/haproxy-config", item.GetProperty("source").GetString());
            Assert.False(item.GetProperty("correctable").GetBoolean());
        }
        finally
        {
            if (start is not null)
            {
                await rig.RollbackAsync(node, "haproxy-start");
            }

            var undo = await rig.RollbackAsync(node, "haproxy-config");
            if (original is not null)
            {
                await RestoreAsync(cfg, original);
            }

            Assert.True(undo.Outcome == StepOutcome.Succeeded, undo.Reason);
        }
    }

    private static async Task RestoreAsync(string path, byte[] original)
    {
        var current = File.Exists(path) ? await File.ReadAllBytesAsync(path) : null;
        if (current is null || !original.AsSpan().SequenceEqual(current))
        {
            await File.WriteAllBytesAsync(path, original);
        }
    }
}
