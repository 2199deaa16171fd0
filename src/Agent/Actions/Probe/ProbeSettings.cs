using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using ProbeSpec = KubeHa.Protos.Agent.V1.ProbeAction;

namespace KubeHa.Agent.Actions.Probe;

/// <summary>A validated probe with its TLS material loaded.</summary>
internal sealed class ProbeSettings : IDisposable
{
    private ProbeSettings(ProbeSpec spec, X509Certificate2? ca, X509Certificate2? clientCertificate)
    {
        Kind = spec.Kind;
        Host = spec.Host;
        Port = spec.Port;
        Timeout = TimeSpan.FromMilliseconds(spec.TimeoutMs == 0 ? 3000 : spec.TimeoutMs);
        ServerName = spec.ServerName.Length == 0 ? spec.Host : spec.ServerName;
        Path = spec.Path.Length == 0 ? "/healthz" : spec.Path;
        ExpectedStatus = spec.ExpectedStatus == 0 ? 200 : spec.ExpectedStatus;
        Attempts = spec.Attempts == 0 ? 1 : spec.Attempts;
        Interval = TimeSpan.FromMilliseconds(spec.IntervalMs == 0 ? 1000 : spec.IntervalMs);
        Ca = ca;
        ClientCertificate = clientCertificate;
    }

    public ProbeKind Kind { get; }
    public string Host { get; }
    public int Port { get; }
    public TimeSpan Timeout { get; }
    public string ServerName { get; }
    public string Path { get; }
    public int ExpectedStatus { get; }
    public int Attempts { get; }
    public TimeSpan Interval { get; }
    public X509Certificate2? Ca { get; }
    public X509Certificate2? ClientCertificate { get; }

    /// <returns>Every problem with the request, each naming its field.</returns>
    public static List<string> Validate(ProbeSpec p)
    {
        var errors = new List<string>();
        if (p.Kind is not (ProbeKind.Tcp or ProbeKind.Tls or ProbeKind.Https))
        {
            errors.Add("kind must be TCP, TLS or HTTPS");
        }

        if (string.IsNullOrWhiteSpace(p.Host))
        {
            errors.Add("host is empty");
        }

        if (p.Port is < 1 or > 65535)
        {
            errors.Add($"port must be 1..65535, got {p.Port}");
        }

        if (p.TimeoutMs is < 0 or > 60_000)
        {
            errors.Add($"timeout_ms must be 0..60000, got {p.TimeoutMs}");
        }

        if (p.Attempts is < 0 or > 1000)
        {
            errors.Add($"attempts must be 0..1000, got {p.Attempts}");
        }

        if (p.IntervalMs is < 0 or > 60_000)
        {
            errors.Add($"interval_ms must be 0..60000, got {p.IntervalMs}");
        }

        if (p.Kind is ProbeKind.Tls or ProbeKind.Https && p.CaFile.Length == 0)
        {
            errors.Add("ca_file is required for TLS and HTTPS probes");
        }

        if ((p.ClientCertFile.Length == 0) != (p.ClientKeyFile.Length == 0))
        {
            errors.Add("client_cert_file and client_key_file go together");
        }

        if (p.Path.Length > 0 && !p.Path.StartsWith('/'))
        {
            errors.Add($"path must start with '/', got '{p.Path}'");
        }

        if (p.ExpectedStatus is < 0 or > 599)
        {
            errors.Add($"expected_status must be 100..599 or 0, got {p.ExpectedStatus}");
        }

        return errors;
    }

    public static ProbeSettings? Load(ProbeSpec p, out string? error)
    {
        error = null;
        X509Certificate2? ca = null;
        try
        {
            if (p.CaFile.Length > 0)
            {
                ca = X509Certificate2.CreateFromPem(File.ReadAllText(p.CaFile));
            }

            var client = p.ClientCertFile.Length > 0 ? KeyFactory.LoadCertificateWithKey(p.ClientCertFile, p.ClientKeyFile) : null;
            return new ProbeSettings(p, ca, client);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            ca?.Dispose();
            error = $"cannot load TLS material (ca_file '{p.CaFile}', client_cert_file '{p.ClientCertFile}'): {e.Message}";
            return null;
        }
    }

    public void Dispose()
    {
        Ca?.Dispose();
        ClientCertificate?.Dispose();
    }
}
