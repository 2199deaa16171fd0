using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Pki;

/// <summary>
/// Issues the certificates of kubeadm's external etcd layout from the etcd CA (creating the CA
/// when asked, never over an existing one). A certificate is left alone when it is signed by
/// the CA, matches its key, has the wanted subject and SANs and is valid long enough.
/// </summary>
internal sealed class EtcdCertificatesAction : IStepAction
{
    private const string Name = "etcd_certificates";
    private static readonly TimeSpan MinRemaining = TimeSpan.FromDays(30);

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.EtcdCertificates;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var a = spec.EtcdCertificates;
        var pki = PkiPaths.Dir(a.PkiDir);
        var caCertPath = Path.Combine(pki, "etcd", "ca.crt");
        var caKeyPath = Path.Combine(pki, "etcd", "ca.key");

        var errors = new List<string>();
        var hostSans = new SanSet();
        var nameError = SanName.TryParse(a.HostName, out var hostName);
        if (nameError is null && hostName!.IsIp)
        {
            nameError = $"'{a.HostName}' is an IP address, not a host name";
        }

        if (nameError is not null)
        {
            errors.Add("host_name: " + nameError);
        }
        else
        {
            hostSans.Add(hostName!);
        }

        hostSans.Add(SanName.Dns("localhost"));
        var ipError = SanName.TryParse(a.HostIp, out var hostIp);
        if (ipError is null && !hostIp!.IsIp)
        {
            ipError = $"'{a.HostIp}' is not an IP address";
        }

        if (ipError is not null)
        {
            errors.Add("host_ip: " + ipError);
        }
        else
        {
            hostSans.Add(hostIp!);
        }

        hostSans.Add(SanName.Ip(System.Net.IPAddress.Loopback));
        hostSans.Add(SanName.Ip(System.Net.IPAddress.IPv6Loopback));
        errors.AddRange(SanSet.Parse(a.ExtraSans, "extra_sans", hostSans));
        if (a.ValidityDays is < 0 or > 3650)
        {
            errors.Add($"validity_days must be 0..3650, got {a.ValidityDays}");
        }

        if (errors.Count > 0)
        {
            return ActionResult.Refused($"{Name} on {context.Node}: {string.Join("; ", errors)}");
        }

        var algorithm = a.KeyAlgorithm == EtcdKeyAlgorithm.EcdsaP256 ? KeyAlgorithm.EcdsaP256 : KeyAlgorithm.Rsa2048;
        var validity = TimeSpan.FromDays(a.ValidityDays == 0 ? 365 : a.ValidityDays);
        try
        {
            using var ca = LoadOrCreateCa(a.CreateCa, caCertPath, caKeyPath, algorithm, context, out var refusal);
            if (ca is null)
            {
                return ActionResult.Refused(refusal!);
            }

            var leaves = new (string Path, string CommonName, bool Server, SanSet Sans)[]
            {
                (Path.Combine(pki, "etcd", "server"), a.HostName, true, hostSans),
                (Path.Combine(pki, "etcd", "peer"), a.HostName, true, hostSans),
                (Path.Combine(pki, "etcd", "healthcheck-client"), "kube-etcd-healthcheck-client", false, new SanSet()),
                (Path.Combine(pki, "apiserver-etcd-client"), "kube-apiserver-etcd-client", false, new SanSet()),
            };
            var issued = new List<string>();
            foreach (var leaf in leaves)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var spec2 = new CertificateRequestSpec
                {
                    Subject = new X500DistinguishedName($"CN={leaf.CommonName}"),
                    DnsNames = [.. leaf.Sans.Names.Where(n => !n.IsIp).Select(n => n.DnsName!)],
                    IpAddresses = [.. leaf.Sans.Names.Where(n => n.IsIp).Select(n => n.IpAddress!)],
                    ServerAuth = leaf.Server,
                    ClientAuth = true,
                    Validity = validity,
                    KeyAlgorithm = algorithm,
                };
                if (IsCurrent(context, ca, leaf.Path, spec2, leaf.Sans))
                {
                    continue;
                }

                using var key = KeyFactory.Create(algorithm);
                using var cert = ca.Sign(spec2, key, context.Time);
                context.Files.Write(leaf.Path + ".key", KeyFactory.ExportPrivateKeyPem(key), AtomicFile.PrivateMode, secret: true);
                context.Files.Write(leaf.Path + ".crt", cert.ExportCertificatePem() + "\n", AtomicFile.DefaultMode);
                issued.Add(Path.GetFileName(leaf.Path));
            }

            context.Outputs["issued"] = string.Join(",", issued);
            context.Outputs["sans"] = hostSans.ToString();
            await context.ProgressAsync(issued.Count == 0 ? "etcd certificates are current; nothing to do" : $"issued {string.Join(", ", issued)}").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }
        catch (CryptographicException e)
        {
            return ActionResult.Failed($"{Name} on {context.Node}: {e.Message}");
        }
    }

    private static CertificateAuthority? LoadOrCreateCa(bool create, string certPath, string keyPath, KeyAlgorithm algorithm, StepContext context, out string? refusal)
    {
        refusal = null;
        var certPem = context.Files.ReadText(certPath);
        var keyPem = context.Files.ReadText(keyPath);
        if (create)
        {
            if (certPem is not null || keyPem is not null)
            {
                refusal = $"{Name}: create_ca was asked but {(certPem is not null ? certPath : keyPath)} already exists on {context.Node}; refusing to overwrite an existing CA (use create_ca=false to issue from it)";
                return null;
            }

            var created = CertificateAuthority.Create("etcd-ca", context.Time, algorithm, TimeSpan.FromDays(3650));
            context.Files.Write(keyPath, created.ExportPrivateKeyPem(), AtomicFile.PrivateMode, secret: true);
            context.Files.Write(certPath, created.ExportCertificatePem(), AtomicFile.DefaultMode);
            return created;
        }

        if (certPem is null || keyPem is null)
        {
            refusal = $"{Name}: {(certPem is null ? certPath : keyPath)} does not exist on {context.Node}; set create_ca or run on the node holding the etcd CA key";
            return null;
        }

        return CertificateAuthority.FromPem(certPem, keyPem, certPath, keyPath);
    }

    private static bool IsCurrent(StepContext context, CertificateAuthority ca, string basePath, CertificateRequestSpec wanted, SanSet sans)
    {
        var certPem = context.Files.ReadText(basePath + ".crt");
        var keyPem = context.Files.ReadText(basePath + ".key");
        if (certPem is null || keyPem is null)
        {
            return false;
        }

        using var cert = X509Certificate2.CreateFromPem(certPem);
        using var key = KeyFactory.LoadPem(keyPem, basePath + ".key");
        return ca.IsIssuerOf(cert) &&
            KeyFactory.Matches(cert, key) &&
            cert.SubjectName.RawData.AsSpan().SequenceEqual(wanted.Subject.RawData) &&
            SanSet.Of(cert).SetEquals(sans) &&
            cert.NotAfter.ToUniversalTime() - context.Time.GetUtcNow().UtcDateTime >= MinRemaining;
    }
}
