using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf.Collections;
using KubeHa.Agent.Actions.Pki;
using KubeHa.Agent.Actions.Sysctl;
using KubeHa.Agent.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>
/// Turns each successful APPLY step into the desired state the node is held to: the files it
/// wrote (digest, mode, content) and what its action means (kubeconfig endpoint, certificate
/// SANs and issuer, LB services, hosts block, sysctls, static pod flags). A successful
/// rollback drops what the rolled-back step recorded.
/// </summary>
internal sealed class DesiredStateRecorder(DesiredStateStore store)
{
    public static string SourceOf(string runId, string stepId) => $"applied:{runId}/{stepId}";

    public void Applied(ExecuteStepRequest request, FileTransaction files, IReadOnlyDictionary<string, string> outputs)
    {
        var spec = request.Step;
        if (spec is null || spec.ActionCase is StepSpec.ActionOneofCase.RestoreDesired or StepSpec.ActionOneofCase.None)
        {
            return;
        }

        var source = SourceOf(request.RunId, request.StepId);
        store.Update(state =>
        {
            // A hosts file is shared with the system: only its managed block is ours.
            if (spec.ActionCase != StepSpec.ActionOneofCase.HostsBlock)
            {
                foreach (var (path, written) in files.Written)
                {
                    Replace(state.Files, f => f.Path == path, new DesiredFile
                    {
                        Path = path,
                        Sha256 = written.Content is null ? string.Empty : store.SaveContent(written.Content),
                        Mode = (uint)written.Mode,
                        Secret = written.Secret,
                        Source = source,
                    });
                }
            }

            RecordAction(state, spec, source, outputs);
        });
    }

    public void RolledBack(string runId, string rolledBackStepId)
    {
        var source = SourceOf(runId, rolledBackStepId);
        store.Update(state =>
        {
            RemoveAll(state.Files, f => f.Source == source);
            RemoveAll(state.Kubeconfigs, k => k.Source == source);
            RemoveAll(state.Certificates, c => c.Source == source);
            RemoveAll(state.Services, s => s.Source == source);
            RemoveAll(state.HostsBlocks, h => h.Source == source);
            RemoveAll(state.Sysctls, s => s.Source == source);
            RemoveAll(state.StaticPodFlags, s => s.Source == source);
            state.Endpoint = state.Kubeconfigs.Count > 0 ? state.Kubeconfigs[^1].Server : string.Empty;
        });
    }

    private static void RecordAction(DesiredState state, StepSpec spec, string source, IReadOnlyDictionary<string, string> outputs)
    {
        switch (spec.ActionCase)
        {
            case StepSpec.ActionOneofCase.KubeconfigEndpoint:
                foreach (var file in spec.KubeconfigEndpoint.Files.Where(f => File.Exists(f.Path)))
                {
                    var record = new DesiredKubeconfig { Path = Path.GetFullPath(file.Path), Server = spec.KubeconfigEndpoint.Server, Source = source };
                    record.ClusterNames.AddRange(spec.KubeconfigEndpoint.ClusterNames);
                    Replace(state.Kubeconfigs, k => k.Path == record.Path, record);
                }

                state.Endpoint = spec.KubeconfigEndpoint.Server;
                break;
            case StepSpec.ActionOneofCase.ApiserverCertificate:
                var certPath = Path.Combine(PkiPaths.Dir(spec.ApiserverCertificate.PkiDir), "apiserver.crt");
                var cert = new DesiredCertificate { Path = certPath, Issuer = IssuerOf(certPath), Source = source };
                cert.Sans.AddRange((outputs.GetValueOrDefault("sans") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries));
                Replace(state.Certificates, c => c.Path == certPath, cert);
                break;
            case StepSpec.ActionOneofCase.HostsBlock:
                var hostsPath = string.IsNullOrEmpty(spec.HostsBlock.Path) ? Actions.HostsBlock.HostsBlockAction.DefaultPath : spec.HostsBlock.Path;
                RemoveAll(state.HostsBlocks, h => h.Path == hostsPath);
                if (spec.HostsBlock.Entries.Count > 0)
                {
                    var block = new DesiredHostsBlock { Path = hostsPath, Source = source };
                    block.Entries.AddRange(spec.HostsBlock.Entries);
                    state.HostsBlocks.Add(block);
                }

                break;
            case StepSpec.ActionOneofCase.Sysctl:
                foreach (var s in spec.Sysctl.Settings)
                {
                    Replace(state.Sysctls, x => x.Key == s.Key, new DesiredSysctl { Key = s.Key, Value = SysctlSettings.Normalize(s.Value), Source = source });
                }

                break;
            case StepSpec.ActionOneofCase.StaticPodFlags:
                RecordFlags(state, spec.StaticPodFlags, source);
                break;
            case StepSpec.ActionOneofCase.NginxConfig:
                Replace(state.Services, s => s.Name == "nginx", new DesiredService { Name = "nginx", Source = source });
                break;
            case StepSpec.ActionOneofCase.HaproxyConfig:
                Replace(state.Services, s => s.Name == "haproxy", new DesiredService { Name = "haproxy", Source = source });
                break;
            case StepSpec.ActionOneofCase.KeepalivedConfig:
                Replace(state.Services, s => s.Name == "keepalived", new DesiredService { Name = "keepalived", Source = source });
                break;
        }
    }

    private static void RecordFlags(DesiredState state, StaticPodFlagsAction action, string source)
    {
        var path = Path.GetFullPath(action.ManifestPath);
        var record = state.StaticPodFlags.FirstOrDefault(f => f.ManifestPath == path && f.ContainerName == action.ContainerName)
                     ?? new DesiredStaticPodFlags { ManifestPath = path, ContainerName = action.ContainerName };
        state.StaticPodFlags.Remove(record);
        foreach (var flag in action.Set)
        {
            RemoveAll(record.Set, f => f.Name == flag.Name);
            record.Removed.Remove(flag.Name);
            record.Set.Add(flag);
        }

        foreach (var name in action.Remove)
        {
            RemoveAll(record.Set, f => f.Name == name);
            if (!record.Removed.Contains(name))
            {
                record.Removed.Add(name);
            }
        }

        record.Source = source;
        state.StaticPodFlags.Add(record);
    }

    private static string IssuerOf(string certPath)
    {
        try
        {
            using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));
            return cert.Issuer;
        }
        catch (Exception e) when (e is IOException or CryptographicException)
        {
            return string.Empty;
        }
    }

    private static void Replace<T>(RepeatedField<T> list, Func<T, bool> same, T item)
    {
        RemoveAll(list, same);
        list.Add(item);
    }

    private static void RemoveAll<T>(RepeatedField<T> list, Func<T, bool> match)
    {
        foreach (var item in list.Where(match).ToList())
        {
            list.Remove(item);
        }
    }
}
