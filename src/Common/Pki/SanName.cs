using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace KubeHa.Common.Pki;

/// <summary>
/// One subject alternative name: a DNS name or an IP address, classified the way kubeadm
/// treats apiServer.certSANs. Text that looks like an IP must be a valid one ("300.1.1.1" is
/// rejected, not taken as a DNS name).
/// </summary>
public sealed partial record SanName
{
    private SanName(string? dnsName, IPAddress? ip)
    {
        DnsName = dnsName;
        IpAddress = ip;
    }

    public string? DnsName { get; }
    public IPAddress? IpAddress { get; }
    public bool IsIp => IpAddress is not null;

    public static SanName Dns(string name) => new(name.ToLowerInvariant(), null);

    public static SanName Ip(IPAddress ip) => new(null, ip);

    /// <returns>null when valid (with <paramref name="san"/> set), else the reason.</returns>
    public static string? TryParse(string text, out SanName? san)
    {
        san = null;
        var value = text.Trim();
        if (value.Length == 0)
        {
            return "empty SAN";
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            if (IPAddress.TryParse(value, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 && !value.Contains('%', StringComparison.Ordinal))
            {
                san = Ip(v6);
                return null;
            }

            return $"'{text}' is not a valid IPv6 address";
        }

        if (NumericLike().IsMatch(value))
        {
            var parts = value.Split('.');
            if (parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 &&
                    int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 255) &&
                IPAddress.TryParse(value, out var v4))
            {
                san = Ip(v4);
                return null;
            }

            return $"'{text}' is not a valid IPv4 address";
        }

        if (value.Length > 253 || !DnsLike().IsMatch(value))
        {
            return $"'{text}' is not a valid DNS name (RFC 1123: letters, digits, '-' and '.', labels of 1-63, optional leading '*.')";
        }

        san = Dns(value);
        return null;
    }

    public override string ToString() => DnsName ?? IpAddress!.ToString();

    [GeneratedRegex(@"^[0-9.]+$")]
    private static partial Regex NumericLike();

    [GeneratedRegex(@"^(\*\.)?[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex DnsLike();
}
