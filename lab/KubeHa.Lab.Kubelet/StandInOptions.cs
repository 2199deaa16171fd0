using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace KubeHa.Lab.Kubelet;

/// <summary>Command line of the stand-in. Defaults are the kubelet's paths as kubeadm lays them out.</summary>
internal sealed class StandInOptions
{
    public string NodeName { get; private set; } = Environment.MachineName;

    public string? NodeIp { get; private set; }

    public string Kubeconfig { get; private set; } = "/etc/kubernetes/kubelet.conf";

    public string BootstrapKubeconfig { get; private set; } = "/etc/kubernetes/bootstrap-kubelet.conf";

    public string ManifestDir { get; private set; } = "/etc/kubernetes/manifests";

    public string CertDir { get; private set; } = "/var/lib/kubelet/pki";

    public string StateDir { get; private set; } = "/var/lib/kubelet/lab-pods";

    public string PodLogDir { get; private set; } = "/var/log/pods";

    public int HealthzPort { get; private set; } = 10248;

    public TimeSpan LeaseRenewInterval { get; private set; } = TimeSpan.FromSeconds(10);

    public const string Usage =
        "usage: kubeha-lab-kubelet [--node-name NAME] [--node-ip IP] [--kubeconfig FILE] " +
        "[--bootstrap-kubeconfig FILE] [--manifests DIR] [--cert-dir DIR] [--state-dir DIR] " +
        "[--pod-log-dir DIR] [--healthz-port PORT] [--lease-renew-seconds N]";

    /// <summary>Parses <paramref name="args"/>; every problem is reported at once.</summary>
    public static StandInOptions Parse(IReadOnlyList<string> args, out IReadOnlyList<string> errors)
    {
        var options = new StandInOptions();
        var problems = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                problems.Add($"argument {i + 1}: {name} needs a value");
                break;
            }

            var value = args[++i];
            switch (name)
            {
                case "--node-name": options.NodeName = value; break;
                case "--node-ip": options.NodeIp = value; break;
                case "--kubeconfig": options.Kubeconfig = value; break;
                case "--bootstrap-kubeconfig": options.BootstrapKubeconfig = value; break;
                case "--manifests": options.ManifestDir = value; break;
                case "--cert-dir": options.CertDir = value; break;
                case "--state-dir": options.StateDir = value; break;
                case "--pod-log-dir": options.PodLogDir = value; break;
                case "--healthz-port":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
                    {
                        options.HealthzPort = port;
                    }
                    else
                    {
                        problems.Add($"argument {i}: --healthz-port {value}: not a port number");
                    }

                    break;
                case "--lease-renew-seconds":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
                    {
                        options.LeaseRenewInterval = TimeSpan.FromSeconds(seconds);
                    }
                    else
                    {
                        problems.Add($"argument {i}: --lease-renew-seconds {value}: not a positive integer");
                    }

                    break;
                default:
                    problems.Add($"argument {i}: unknown option {name}");
                    break;
            }
        }

        if (options.NodeIp is not null && !IPAddress.TryParse(options.NodeIp, out _))
        {
            problems.Add($"--node-ip {options.NodeIp}: not an IP address");
        }

        options.NodeIp ??= FirstGlobalIPv4();
        if (options.NodeIp is null)
        {
            problems.Add("--node-ip not given and no interface has a global IPv4 address");
        }

        errors = problems;
        return options;
    }

    private static string? FirstGlobalIPv4() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?.ToString();
}
