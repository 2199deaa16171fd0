using System.CommandLine;
using System.Text;
using System.Text.Json;
using KubeHa.Coordinator.Agents;
using KubeHa.Coordinator.Pki;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Cli.Commands;

internal static class AgentsCommand
{
    public static Command Create(Func<CliContext> context)
    {
        var file = InventoryArgs.File();
        var output = InventoryArgs.Output();
        var cmd = new Command("agents", "Dial every agent of the inventory and show its identity and facts") { file, output };
        cmd.SetAction(async (parse, ct) =>
        {
            var ctx = context();
            var inventory = InventoryArgs.Load(parse.GetValue(file)!, ctx, "agents");
            if (inventory is null)
            {
                return ExitCodes.BadInput;
            }

            AgentPool pool;
            try
            {
                pool = ctx.OpenPool(inventory, new AgentConnectionOptions { Retries = 1 });
            }
            catch (PkiException e)
            {
                ctx.Err.WriteLine($"kubeha agents: {e.Message}");
                return ExitCodes.BadInput;
            }

            await using (pool.ConfigureAwait(false))
            {
                var rows = await Task.WhenAll(pool.All.Select(async c =>
                {
                    try
                    {
                        return (c.Endpoint, Info: await c.GetNodeInfoAsync(ct).ConfigureAwait(false), Error: (string?)null);
                    }
                    catch (AgentUnavailableException e)
                    {
                        return (c.Endpoint, Info: (GetNodeInfoResponse?)null, Error: e.Message);
                    }
                })).ConfigureAwait(false);

                if (parse.GetValue(output) == "json")
                {
                    ctx.Out.WriteLine(Json(rows));
                }
                else
                {
                    Table(ctx.Out, rows);
                }

                foreach (var row in rows.Where(r => r.Error is not null))
                {
                    ctx.Err.WriteLine($"kubeha agents: {row.Error}");
                }

                return rows.All(r => r.Error is null) ? ExitCodes.Success : ExitCodes.Failure;
            }
        });
        return cmd;
    }

    private static string Facts(GetNodeInfoResponse info) =>
        string.Join(",", info.Components.Where(c => c.Present).Select(c => c.Component.ToString().ToLowerInvariant()));

    private static void Table(TextWriter output, IEnumerable<(AgentEndpoint Endpoint, GetNodeInfoResponse? Info, string? Error)> rows)
    {
        output.WriteLine($"{"NODE",-16} {"AGENT",-22} {"REACHABLE",-9} {"VERSION",-9} {"ROLES",-14} PRESENT");
        foreach (var (endpoint, info, _) in rows)
        {
            output.WriteLine(info is null
                ? $"{endpoint.Node,-16} {endpoint.Address,-22} {"no",-9} {"-",-9} {"-",-14} -"
                : $"{endpoint.Node,-16} {endpoint.Address,-22} {"yes",-9} {info.AgentVersion,-9} {string.Join(",", info.Roles),-14} {Facts(info)}");
        }
    }

    private static string Json(IEnumerable<(AgentEndpoint Endpoint, GetNodeInfoResponse? Info, string? Error)> rows)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var (endpoint, info, error) in rows)
            {
                w.WriteStartObject();
                w.WriteString("node", endpoint.Node);
                w.WriteString("agent", endpoint.Address);
                w.WriteBoolean("reachable", info is not null);
                if (error is not null)
                {
                    w.WriteString("error", error);
                }

                if (info is not null)
                {
                    w.WriteString("version", info.AgentVersion);
                    w.WriteString("contract", info.ContractVersion);
                    w.WriteString("os", info.OsDescription);
                    w.WriteStartArray("roles");
                    info.Roles.ToList().ForEach(w.WriteStringValue);
                    w.WriteEndArray();
                    w.WriteStartArray("addresses");
                    info.Addresses.ToList().ForEach(w.WriteStringValue);
                    w.WriteEndArray();
                    w.WriteStartObject("components");
                    foreach (var c in info.Components)
                    {
                        w.WriteString(c.Component.ToString().ToLowerInvariant(), c.Present ? c.Path : string.Empty);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
