using System.CommandLine;
using System.Net;
using KubeHa.Coordinator.Pki;

namespace KubeHa.Cli.Commands;

internal static class PkiCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var pki = new Command("pki", "The KubeHa CA (separate from the cluster CA) and agent certificates");

        var initDns = new Option<string[]>("--dns") { Description = "DNS name of the coordinator host (for `kubeha serve`), repeatable", AllowMultipleArgumentsPerToken = true };
        var initIp = new Option<string[]>("--ip") { Description = "IP address of the coordinator host, repeatable", AllowMultipleArgumentsPerToken = true };
        var init = new Command("init", "Create the KubeHa CA and the coordinator's certificate in the state directory") { initDns, initIp };
        init.SetAction(parse =>
        {
            var ctx = context();
            if (!TryParseIps(parse.GetValue(initIp) ?? [], ctx, out var ips))
            {
                return ExitCodes.BadInput;
            }

            try
            {
                ctx.Pki.Init(parse.GetValue(initDns) ?? [], ips);
            }
            catch (PkiException e)
            {
                ctx.Err.WriteLine($"kubeha pki init: {e.Message}");
                return ExitCodes.BadInput;
            }

            ctx.Out.WriteLine($"created the KubeHa CA: {ctx.Pki.CaCert} (key {ctx.Pki.CaKey}, mode 0600)");
            ctx.Out.WriteLine($"created the coordinator certificate: {ctx.Pki.CoordinatorCert}");
            return ExitCodes.Success;
        });

        var node = new Argument<string>("NODE") { Description = "Node name; becomes the certificate's CN and a DNS SAN" };
        var ip = new Option<string[]>("--ip") { Description = "IP address SAN (the agent's listen address), repeatable", AllowMultipleArgumentsPerToken = true };
        var dns = new Option<string[]>("--dns") { Description = "Additional DNS SAN, repeatable", AllowMultipleArgumentsPerToken = true };
        var outDir = new Option<string>("--out") { Description = "Directory for agent.crt, agent.key and ca.crt (default STATE/agents/NODE)" };
        var issue = new Command("issue-agent", "Issue an agent's serving certificate and key") { node, ip, dns, outDir };
        issue.SetAction(parse =>
        {
            var ctx = context();
            var name = parse.GetValue(node)!;
            if (!TryParseIps(parse.GetValue(ip) ?? [], ctx, out var ips))
            {
                return ExitCodes.BadInput;
            }

            var bad = (parse.GetValue(dns) ?? []).Where(d => !Coordinator.Inventory.InventoryLoader.IsDnsName(d)).ToList();
            if (bad.Count > 0 || !Coordinator.Inventory.InventoryLoader.IsDnsName(name))
            {
                ctx.Err.WriteLine($"kubeha pki issue-agent: not a valid DNS name: {string.Join(", ", bad.Count > 0 ? bad : [name])}");
                return ExitCodes.BadInput;
            }

            var dir = parse.GetValue(outDir) ?? Path.Combine(ctx.StateDir, "agents", name);
            try
            {
                var issued = ctx.Pki.IssueAgent(name, parse.GetValue(dns) ?? [], ips, dir);
                ctx.Out.WriteLine($"issued {issued.CertPath} for {name} (SANs: {string.Join(", ", issued.SubjectAltNames)}; valid until {issued.NotAfter:yyyy-MM-dd})");
                ctx.Out.WriteLine($"key {issued.KeyPath} (mode 0600); CA {Path.Combine(dir, "ca.crt")}");
                return ExitCodes.Success;
            }
            catch (PkiException e)
            {
                ctx.Err.WriteLine($"kubeha pki issue-agent: {e.Message}");
                return ExitCodes.BadInput;
            }
        });

        pki.Subcommands.Add(init);
        pki.Subcommands.Add(issue);
        return pki;
    }

    private static bool TryParseIps(IEnumerable<string> values, CliContext ctx, out List<IPAddress> ips)
    {
        ips = [];
        foreach (var v in values)
        {
            if (!IPAddress.TryParse(v, out var address))
            {
                ctx.Err.WriteLine($"kubeha pki: '{v}' is not an IP address");
                return false;
            }

            ips.Add(address);
        }

        return true;
    }
}
