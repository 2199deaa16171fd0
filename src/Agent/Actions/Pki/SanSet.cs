using System.Security.Cryptography.X509Certificates;
using KubeHa.Common.Pki;

namespace KubeHa.Agent.Actions.Pki;

/// <summary>Ordered, duplicate-free DNS and IP SANs.</summary>
internal sealed class SanSet
{
    private readonly List<SanName> _names = [];

    public IReadOnlyList<SanName> Names => _names;

    public static SanSet Of(X509Certificate2 cert)
    {
        var set = new SanSet();
        foreach (var ext in cert.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                foreach (var dns in san.EnumerateDnsNames())
                {
                    set.Add(SanName.Dns(dns));
                }

                foreach (var ip in san.EnumerateIPAddresses())
                {
                    set.Add(SanName.Ip(ip));
                }
            }
        }

        return set;
    }

    /// <summary>Parses every text; returns every error at once, each naming the field.</summary>
    public static List<string> Parse(IEnumerable<string> texts, string field, SanSet into)
    {
        var errors = new List<string>();
        foreach (var text in texts)
        {
            var error = SanName.TryParse(text, out var san);
            if (error is not null)
            {
                errors.Add($"{field}: {error}");
            }
            else
            {
                into.Add(san!);
            }
        }

        return errors;
    }

    public bool Add(SanName name)
    {
        if (_names.Contains(name))
        {
            return false;
        }

        _names.Add(name);
        return true;
    }

    public bool Remove(SanName name) => _names.Remove(name);

    public bool Contains(SanName name) => _names.Contains(name);

    public bool SetEquals(SanSet other) => _names.Count == other._names.Count && _names.All(other.Contains);

    public SanSet Copy()
    {
        var copy = new SanSet();
        copy._names.AddRange(_names);
        return copy;
    }

    /// <summary>The extension, DNS names first then IPs (kubeadm's order).</summary>
    public X509Extension Build()
    {
        var builder = new SubjectAlternativeNameBuilder();
        foreach (var n in _names.Where(n => !n.IsIp))
        {
            builder.AddDnsName(n.DnsName!);
        }

        foreach (var n in _names.Where(n => n.IsIp))
        {
            builder.AddIpAddress(n.IpAddress!);
        }

        return builder.Build();
    }

    public override string ToString() => string.Join(",", _names.Where(n => !n.IsIp).Concat(_names.Where(n => n.IsIp)));
}
