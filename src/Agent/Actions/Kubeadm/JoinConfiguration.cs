using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using JoinSpec = KubeHa.Protos.Agent.V1.KubeadmJoinAction;

namespace KubeHa.Agent.Actions.Kubeadm;

/// <summary>Validates a join request and renders kubeadm's JoinConfiguration for it.</summary>
internal static partial class JoinConfiguration
{
    [GeneratedRegex(@"^sha256:[0-9a-f]{64}$")]
    private static partial Regex HashPattern();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")]
    private static partial Regex NodeNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex PreflightPattern();

    [GeneratedRegex(@"^(unix://)?/[A-Za-z0-9._/-]+$")]
    private static partial Regex SocketPattern();

    /// <returns>Every problem, each naming its field; secrets are never quoted.</returns>
    public static List<string> Validate(JoinSpec j)
    {
        var errors = new List<string>();
        var endpoint = j.ApiServerEndpoint;
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            errors.Add($"api_server_endpoint must be host:port, got '{endpoint}'");
        }

        if (!KubeadmRunner.IsToken(j.Token))
        {
            errors.Add("token must look like [a-z0-9]{6}.[a-z0-9]{16} (value not shown)");
        }

        if (j.CaCertHashes.Count == 0 || j.CaCertHashes.Any(h => !HashPattern().IsMatch(h)))
        {
            errors.Add("ca_cert_hashes: at least one, each sha256:<64 lower-case hex>");
        }

        if (j.ControlPlane)
        {
            if (!KubeadmRunner.IsCertificateKey(j.CertificateKey))
            {
                errors.Add("certificate_key must be 64 lower-case hex characters for a control-plane join (value not shown)");
            }

            if (!IPAddress.TryParse(j.AdvertiseAddress, out _))
            {
                errors.Add($"advertise_address must be an IP address for a control-plane join, got '{j.AdvertiseAddress}'");
            }
        }
        else if (j.CertificateKey.Length > 0 || j.AdvertiseAddress.Length > 0)
        {
            errors.Add("certificate_key and advertise_address go with control_plane");
        }

        if (j.BindPort is < 0 or > 65535)
        {
            errors.Add($"bind_port must be 1..65535 or 0, got {j.BindPort}");
        }

        if (j.NodeName.Length > 0 && !NodeNamePattern().IsMatch(j.NodeName))
        {
            errors.Add($"node_name '{j.NodeName}' is not a valid node name");
        }

        if (j.CriSocket.Length > 0 && !SocketPattern().IsMatch(j.CriSocket))
        {
            errors.Add($"cri_socket must be an absolute socket path, got '{j.CriSocket}'");
        }

        errors.AddRange(j.IgnorePreflightErrors.Where(e => !PreflightPattern().IsMatch(e)).Select(e => $"ignore_preflight_errors: invalid check name '{e}'"));
        if (j.TimeoutSeconds is < 0 or > 3600)
        {
            errors.Add($"timeout_seconds must be 0..3600, got {j.TimeoutSeconds}");
        }

        return errors;
    }

    /// <summary>The JoinConfiguration (kubeadm.k8s.io/v1beta2 before kubeadm 1.22, v1beta3 from 1.22).</summary>
    public static string Render(JoinSpec j, (int Major, int Minor) kubeadmVersion)
    {
        var apiVersion = kubeadmVersion.Major == 1 && kubeadmVersion.Minor < 22 ? "kubeadm.k8s.io/v1beta2" : "kubeadm.k8s.io/v1beta3";
        var y = new StringBuilder();
        y.Append(CultureInfo.InvariantCulture, $"apiVersion: {apiVersion}\nkind: JoinConfiguration\n");
        y.Append("discovery:\n  bootstrapToken:\n");
        y.Append(CultureInfo.InvariantCulture, $"    apiServerEndpoint: \"{j.ApiServerEndpoint}\"\n    token: \"{j.Token}\"\n    caCertHashes:\n");
        foreach (var hash in j.CaCertHashes)
        {
            y.Append(CultureInfo.InvariantCulture, $"    - \"{hash}\"\n");
        }

        y.Append(CultureInfo.InvariantCulture, $"  tlsBootstrapToken: \"{j.Token}\"\n");
        y.Append("nodeRegistration:\n");
        if (j.NodeName.Length > 0)
        {
            y.Append(CultureInfo.InvariantCulture, $"  name: \"{j.NodeName}\"\n");
        }

        if (j.CriSocket.Length > 0)
        {
            y.Append(CultureInfo.InvariantCulture, $"  criSocket: \"{j.CriSocket}\"\n");
        }

        if (j.ControlPlane)
        {
            y.Append("controlPlane:\n  localAPIEndpoint:\n");
            y.Append(CultureInfo.InvariantCulture, $"    advertiseAddress: \"{j.AdvertiseAddress}\"\n    bindPort: {(j.BindPort == 0 ? 6443 : j.BindPort)}\n");
            y.Append(CultureInfo.InvariantCulture, $"  certificateKey: \"{j.CertificateKey}\"\n");
        }

        return y.ToString();
    }
}
