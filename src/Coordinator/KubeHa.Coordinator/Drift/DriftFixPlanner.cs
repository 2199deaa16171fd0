using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Drift;

/// <summary>
/// Turns open drift items into a corrective plan: one phase, per node at most one
/// restore_desired step (recorded file content, hosts block, static pod flags), one
/// kubeconfig_endpoint step per endpoint, and one apiserver_certificate step. Items no agent
/// action can correct (services, sysctl runtime values, cluster-level items) are returned apart.
/// </summary>
public static class DriftFixPlanner
{
    private static readonly DriftKind[] RestoreKinds =
        [DriftKind.FileContent, DriftKind.FileMode, DriftKind.FileMissing, DriftKind.HostsBlock, DriftKind.StaticPodFlag, DriftKind.StaticPodMissing];

    public static (Plan Plan, List<DriftItem> NotCorrectable) Build(IEnumerable<DriftItem> items, string runId, string cluster)
    {
        var plan = new Plan { RunId = runId, Cluster = cluster };
        var phase = new Phase { Name = "corrective", Description = "put drifted nodes back to their recorded desired state" };
        var notCorrectable = new List<DriftItem>();
        foreach (var node in items.GroupBy(i => i.Node, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var restore = new List<string>();
            var kubeconfigs = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            var sans = new List<string>();
            string? pkiDir = null;
            foreach (var item in node)
            {
                if (!item.Correctable || node.Key == ClusterRules.ClusterNode)
                {
                    notCorrectable.Add(item);
                }
                else if (RestoreKinds.Contains(item.Kind))
                {
                    restore.Add(item.Subject);
                }
                else if (item.Kind == DriftKind.KubeconfigEndpoint)
                {
                    (kubeconfigs.TryGetValue(item.Expected, out var files) ? files : kubeconfigs[item.Expected] = []).Add(item.Subject);
                }
                else if (item.Kind is DriftKind.CertificateSan or DriftKind.CertificateExpiry)
                {
                    pkiDir = Path.GetDirectoryName(item.Subject);
                    if (item.Kind == DriftKind.CertificateSan)
                    {
                        sans.AddRange(item.Expected.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    }
                }
                else
                {
                    notCorrectable.Add(item);
                }
            }

            var subjects = restore.Distinct(StringComparer.Ordinal).ToList();
            if (subjects.Count > 0)
            {
                phase.Steps.Add(new PlannedStep
                {
                    Id = $"{node.Key}-restore",
                    Node = node.Key,
                    Description = $"restore the recorded desired state of {string.Join(", ", subjects)}",
                    Agent = new StepSpec { RestoreDesired = new RestoreDesiredAction { Subjects = { subjects } } },
                });
            }

            var n = 0;
            foreach (var (server, paths) in kubeconfigs)
            {
                // A restored file already carries the recorded endpoint.
                var files = paths.Where(p => !subjects.Contains(p)).Distinct(StringComparer.Ordinal).ToList();
                if (files.Count == 0)
                {
                    continue;
                }

                var action = new KubeconfigEndpointAction { Server = server };
                action.Files.AddRange(files.Select(f => new KubeconfigFile { Path = f, Required = true }));
                phase.Steps.Add(new PlannedStep
                {
                    Id = $"{node.Key}-kubeconfig-{++n}",
                    Node = node.Key,
                    Description = $"point {string.Join(", ", files)} at {server}",
                    Agent = new StepSpec { KubeconfigEndpoint = action },
                });
            }

            if (pkiDir is not null)
            {
                var action = new ApiServerCertificateAction { PkiDir = pkiDir };
                action.AddSans.AddRange(sans.Distinct(StringComparer.OrdinalIgnoreCase));
                phase.Steps.Add(new PlannedStep
                {
                    Id = $"{node.Key}-apiserver-certificate",
                    Node = node.Key,
                    Description = sans.Count > 0
                        ? $"re-issue {pkiDir}/apiserver.crt with {string.Join(", ", action.AddSans)}"
                        : $"re-issue {pkiDir}/apiserver.crt (expiring)",
                    Agent = new StepSpec { ApiserverCertificate = action },
                });
            }
        }

        if (phase.Steps.Count > 0)
        {
            plan.Phases.Add(phase);
        }

        return (plan, notCorrectable);
    }
}
