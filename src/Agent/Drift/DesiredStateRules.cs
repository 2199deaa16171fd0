using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using KubeHa.Agent.Actions.Pki;
using KubeHa.Agent.Actions.Sysctl;
using KubeHa.Agent.Files;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Drift;

/// <summary>Compares the node with the desired state its successful steps recorded.</summary>
internal sealed class DesiredStateRules(DesiredStateStore store, IServiceProbe services, DriftPaths paths)
{
    public async Task<List<DriftItem>> CheckAsync(string node, DesiredState desired, DriftReads reads, CancellationToken cancellationToken)
    {
        var items = new List<DriftItem>();
        foreach (var file in desired.Files)
        {
            CheckFile(node, file, reads, items);
        }

        foreach (var kubeconfig in desired.Kubeconfigs.Where(k => reads.Exists(k.Path)))
        {
            var servers = KubeconfigServers.Read(reads, kubeconfig.Path, out var error);
            var wrong = servers?.Where(s => (kubeconfig.ClusterNames.Count == 0 || kubeconfig.ClusterNames.Contains(s.Cluster)) &&
                                            !KubeconfigServers.SameServer(s.Server, kubeconfig.Server)).ToList();
            if (servers is null || wrong!.Count > 0)
            {
                items.Add(DriftItems.Create(node, DriftKind.KubeconfigEndpoint, kubeconfig.Path, kubeconfig.Server,
                    servers is null ? error : string.Join(",", wrong!.Select(w => w.Server).Distinct()), correctable: true, kubeconfig.Source));
            }
        }

        foreach (var cert in desired.Certificates)
        {
            CheckCertificate(node, cert, reads, items);
        }

        foreach (var service in desired.Services)
        {
            if (!await services.IsActiveAsync(service.Name, cancellationToken).ConfigureAwait(false))
            {
                items.Add(DriftItems.Create(node, DriftKind.ServiceInactive, service.Name, "active", "not running", correctable: false, service.Source));
            }
        }

        foreach (var block in desired.HostsBlocks)
        {
            CheckHostsBlock(node, block, reads, items);
        }

        foreach (var sysctl in desired.Sysctls)
        {
            var proc = Path.Combine(paths.ProcSys, sysctl.Key.Replace('.', '/'));
            var actual = File.Exists(proc) ? SysctlSettings.Normalize(File.ReadAllText(proc)) : "absent";
            if (actual != sysctl.Value)
            {
                items.Add(DriftItems.Create(node, DriftKind.Sysctl, sysctl.Key, sysctl.Value, actual, correctable: false, sysctl.Source));
            }
        }

        foreach (var flags in desired.StaticPodFlags)
        {
            if (reads.Bytes(flags.ManifestPath) is { } manifest)
            {
                CheckFlags(node, flags, manifest, items);
            }
        }

        return items;
    }

    private void CheckFile(string node, DesiredFile file, DriftReads reads, List<DriftItem> items)
    {
        var recorded = file.Sha256.Length == 0 ? null : store.ReadContent(file.Sha256);
        var correctable = file.Sha256.Length == 0 || recorded is not null;
        var actual = reads.Bytes(file.Path);
        if (actual is null)
        {
            if (file.Sha256.Length > 0)
            {
                items.Add(DriftItems.Create(node, DriftKind.FileMissing, file.Path, "sha256:" + file.Sha256, "absent", correctable, file.Source,
                    file.Secret || recorded is null ? string.Empty : DriftItems.Diff(Encoding.UTF8.GetString(recorded), null, file.Path)));
            }

            return;
        }

        var sha = FileTransaction.Sha256(actual);
        if (sha != file.Sha256)
        {
            var diff = file.Secret || recorded is null || !IsText(recorded) || !IsText(actual)
                ? string.Empty
                : DriftItems.Diff(Encoding.UTF8.GetString(recorded), Encoding.UTF8.GetString(actual), file.Path);
            items.Add(DriftItems.Create(node, DriftKind.FileContent, file.Path, file.Sha256.Length == 0 ? "absent" : "sha256:" + file.Sha256,
                "sha256:" + sha, correctable, file.Source, diff));
            return;
        }

        var mode = (uint)File.GetUnixFileMode(file.Path);
        if (mode != file.Mode)
        {
            items.Add(DriftItems.Create(node, DriftKind.FileMode, file.Path, Octal(file.Mode), Octal(mode), correctable, file.Source));
        }
    }

    private static void CheckCertificate(string node, DesiredCertificate desired, DriftReads reads, List<DriftItem> items)
    {
        var pem = reads.Bytes(desired.Path);
        if (pem is null)
        {
            items.Add(DriftItems.Create(node, DriftKind.FileMissing, desired.Path, "certificate", "absent", correctable: false, desired.Source));
            return;
        }

        try
        {
            using var cert = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(pem));
            var have = SanSet.Of(cert);
            var missing = desired.Sans.Where(s => SanName.TryParse(s, out var san) is null && !have.Contains(san!)).ToList();
            if (missing.Count > 0)
            {
                items.Add(DriftItems.Create(node, DriftKind.CertificateSan, desired.Path, string.Join(",", desired.Sans), have.ToString(),
                    correctable: reads.Exists(Path.Combine(Path.GetDirectoryName(desired.Path)!, "ca.key")), desired.Source));
            }

            if (desired.Issuer.Length > 0 && cert.Issuer != desired.Issuer)
            {
                items.Add(DriftItems.Create(node, DriftKind.CertificateIssuer, desired.Path, desired.Issuer, cert.Issuer, correctable: false, desired.Source));
            }
        }
        catch (CryptographicException e)
        {
            items.Add(DriftItems.Create(node, DriftKind.CertificateSan, desired.Path, string.Join(",", desired.Sans), $"unreadable: {e.Message}", correctable: false, desired.Source));
        }
    }

    private static void CheckHostsBlock(string node, DesiredHostsBlock block, DriftReads reads, List<DriftItem> items)
    {
        var current = reads.Bytes(block.Path) is { } hosts ? Encoding.UTF8.GetString(hosts) : string.Empty;
        var expected = Actions.HostsBlock.HostsBlockAction.Render(block.Path, current, block.Entries, out var error);
        if (expected is null)
        {
            items.Add(DriftItems.Create(node, DriftKind.HostsBlock, block.Path, "managed block", error, correctable: false, block.Source));
        }
        else if (expected != current)
        {
            items.Add(DriftItems.Create(node, DriftKind.HostsBlock, block.Path, string.Join("; ", block.Entries.Select(e => e.Ip + " " + string.Join(' ', e.Names))),
                "block differs", correctable: true, block.Source, DriftItems.Diff(expected, current, block.Path)));
        }
    }

    private static void CheckFlags(string node, DesiredStaticPodFlags flags, byte[] bytes, List<DriftItem> items)
    {
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var wanted = RestoreDesiredAction.FlagsSpec(flags);
        var edited = Actions.StaticPodFlags.StaticPodFlagsAction.Edit(wanted, bytes, outputs, out var error);
        var current = Encoding.UTF8.GetString(bytes);
        if (edited is null || edited != current)
        {
            var expected = string.Join(" ", flags.Set.Select(f => $"--{f.Name}={f.Value}").Concat(flags.Removed.Select(r => $"no --{r}")));
            var actual = edited is null ? error : string.Join(" ", outputs.Where(o => o.Key.StartsWith("old_flag:", StringComparison.Ordinal))
                .Select(o => o.Value.Length == 0 ? $"no --{o.Key[9..]}" : $"--{o.Key[9..]}={o.Value}"));
            items.Add(DriftItems.Create(node, DriftKind.StaticPodFlag, flags.ManifestPath, expected, actual, correctable: edited is not null, flags.Source,
                edited is null ? string.Empty : DriftItems.Diff(edited, current, flags.ManifestPath)));
        }
    }

    private static string Octal(uint mode) => "0" + Convert.ToString(mode, 8).PadLeft(3, '0');

    private static bool IsText(byte[] data) => !data.AsSpan().Contains((byte)0);
}
