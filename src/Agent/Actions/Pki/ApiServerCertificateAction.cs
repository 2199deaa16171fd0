using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Agent.Steps;
using KubeHa.Common.Files;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.Pki;

/// <summary>
/// Re-issues apiserver.crt with extra (or fewer) SANs, keeping subject, key usages and every
/// other SAN, signed by the cluster CA on this node. The old pair goes to the step backup
/// (the file transaction does that). No change when the current certificate already has
/// exactly the wanted SANs, is signed by this CA, matches its key and is valid long enough.
/// </summary>
internal sealed class ApiServerCertificateAction : IStepAction
{
    private const string Name = "apiserver_certificate";

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.ApiserverCertificate;

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var a = spec.ApiserverCertificate;
        var pki = PkiPaths.Dir(a.PkiDir);
        var certPath = Path.Combine(pki, "apiserver.crt");
        var keyPath = Path.Combine(pki, "apiserver.key");
        var caCertPath = Path.Combine(pki, "ca.crt");
        var caKeyPath = Path.Combine(pki, "ca.key");

        var add = new SanSet();
        var remove = new SanSet();
        var errors = SanSet.Parse(a.AddSans, "add_sans", add);
        errors.AddRange(SanSet.Parse(a.RemoveSans, "remove_sans", remove));
        if (a.ValidityDays is < 0 or > 3650)
        {
            errors.Add($"validity_days must be 0..3650, got {a.ValidityDays}");
        }

        if (a.MinRemainingDays is < 0 or > 3650)
        {
            errors.Add($"min_remaining_days must be 0..3650, got {a.MinRemainingDays}");
        }

        if (errors.Count > 0)
        {
            return ActionResult.Refused($"{Name} on {context.Node}: {string.Join("; ", errors)}");
        }

        var certPem = context.Files.ReadText(certPath);
        var caCertPem = context.Files.ReadText(caCertPath);
        var caKeyPem = context.Files.ReadText(caKeyPath);
        if (certPem is null)
        {
            return ActionResult.Refused($"{Name}: {certPath} does not exist on {context.Node}");
        }

        if (caCertPem is null || caKeyPem is null)
        {
            return ActionResult.Refused(
                $"{Name}: {(caCertPem is null ? caCertPath : caKeyPath)} does not exist on {context.Node}; run this step on a node that holds the cluster CA key");
        }

        try
        {
            using var current = X509Certificate2.CreateFromPem(certPem);
            using var ca = LoadCa(caCertPem, caKeyPem, caCertPath, caKeyPath, out var caError);
            if (ca is null)
            {
                return ActionResult.Refused($"{Name} on {context.Node}: {caError}");
            }

            if (!ca.IsIssuerOf(current))
            {
                return ActionResult.Refused(
                    $"{Name}: {certPath} (issuer '{current.Issuer}') was not signed by the CA in {caCertPath} ('{ca.Certificate.Subject}') on {context.Node}");
            }

            var existing = SanSet.Of(current);
            var wanted = existing.Copy();
            foreach (var n in remove.Names)
            {
                wanted.Remove(n);
            }

            foreach (var n in add.Names)
            {
                wanted.Add(n);
            }

            var now = context.Time.GetUtcNow();
            var minRemaining = TimeSpan.FromDays(a.MinRemainingDays == 0 ? 30 : a.MinRemainingDays);
            var keyPem = context.Files.ReadText(keyPath);
            var keyMatches = keyPem is not null && KeyMatches(current, keyPem, keyPath);
            if (wanted.SetEquals(existing) && current.NotAfter.ToUniversalTime() - now.UtcDateTime >= minRemaining && keyMatches)
            {
                Report(context, current, existing);
                await context.ProgressAsync($"{certPath} already has every requested SAN; nothing to do").ConfigureAwait(false);
                return ActionResult.Succeeded();
            }

            if (a.KeepKey && !keyMatches)
            {
                return ActionResult.Refused($"{Name}: keep_key was asked but {keyPath} is absent or does not match {certPath} on {context.Node}");
            }

            using var key = a.KeepKey ? KeyFactory.LoadPem(keyPem!, keyPath) : KeyFactory.Create(KeyFactory.AlgorithmOf(current));
            var request = KeyFactory.NewRequest(current.SubjectName, key);
            foreach (var ext in current.Extensions)
            {
                // Keep constraints and usages as they are; SAN and key identifiers are rebuilt.
                if (ext is X509BasicConstraintsExtension or X509KeyUsageExtension or X509EnhancedKeyUsageExtension)
                {
                    request.CertificateExtensions.Add(new X509Extension(ext.Oid!, ext.RawData, ext.Critical));
                }
            }

            request.CertificateExtensions.Add(wanted.Build());
            request.CertificateExtensions.Add(ca.AuthorityKeyIdentifier());
            var validity = TimeSpan.FromDays(a.ValidityDays == 0 ? 365 : a.ValidityDays);
            using var issued = ca.Sign(request, validity, context.Time);
            if (!a.KeepKey)
            {
                context.Files.Write(keyPath, KeyFactory.ExportPrivateKeyPem(key), AtomicFile.PrivateMode, secret: true);
            }

            context.Files.Write(certPath, issued.ExportCertificatePem() + "\n", AtomicFile.DefaultMode);
            Report(context, issued, wanted);
            await context.ProgressAsync($"issued {certPath} for {wanted}").ConfigureAwait(false);
            return ActionResult.Succeeded();
        }
        catch (CryptographicException e)
        {
            return ActionResult.Failed($"{Name} on {context.Node}: {e.Message}");
        }
    }

    private static CertificateAuthority? LoadCa(string certPem, string keyPem, string certPath, string keyPath, out string? error)
    {
        error = null;
        try
        {
            return CertificateAuthority.FromPem(certPem, keyPem, certPath, keyPath);
        }
        catch (CryptographicException e)
        {
            error = $"cannot use the cluster CA: {e.Message}";
            return null;
        }
    }

    private static bool KeyMatches(X509Certificate2 cert, string keyPem, string keyPath)
    {
        using var key = KeyFactory.LoadPem(keyPem, keyPath);
        return KeyFactory.Matches(cert, key);
    }

    private static void Report(StepContext context, X509Certificate2 cert, SanSet sans)
    {
        context.Outputs["sans"] = sans.ToString();
        context.Outputs["serial"] = cert.SerialNumber.ToLowerInvariant();
        context.Outputs["not_after"] = cert.NotAfter.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }
}
