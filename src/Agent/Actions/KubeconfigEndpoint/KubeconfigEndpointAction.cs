using KubeHa.Agent.Steps;
using KubeHa.Common.Yaml;
using KubeHa.Common.Files;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.KubeconfigEndpoint;

/// <summary>
/// Rewrites the <c>server:</c> of the clusters in kubeconfig files (kubelet.conf,
/// controller-manager.conf, admin.conf, ...). Only the value's text changes; certificate
/// data, comments and key order stay byte for byte. The old servers are returned in the
/// outputs as <c>old_server:PATH#CLUSTER</c>.
/// </summary>
internal sealed class KubeconfigEndpointAction : IStepAction
{
    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.KubeconfigEndpoint;

    public FileRestoreOptions RestoreOptions(StepSpec spec) => new(MaskKeyData);

    public async Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var action = spec.KubeconfigEndpoint;
        if (!IsServerUrl(action.Server))
        {
            return ActionResult.Refused($"kubeconfig_endpoint: server '{action.Server}' is not an http(s)://host[:port] URL");
        }

        if (action.Files.Count == 0)
        {
            return ActionResult.Refused("kubeconfig_endpoint: no files given");
        }

        var filter = action.ClusterNames.ToHashSet(StringComparer.Ordinal);
        var edited = new List<(string Path, string Text, UnixFileMode Mode)>();
        var errors = new List<string>();
        foreach (var file in action.Files)
        {
            var bytes = context.Files.Read(file.Path);
            if (bytes is null)
            {
                if (file.Required)
                {
                    errors.Add($"{file.Path}: required kubeconfig does not exist");
                }
                else
                {
                    context.Outputs[$"skipped:{file.Path}"] = "absent";
                    await context.ProgressAsync($"skipped {file.Path}: absent (optional)").ConfigureAwait(false);
                }

                continue;
            }

            var result = Edit(file.Path, bytes, action.Server, filter, context.Outputs, out var error);
            if (result is null)
            {
                errors.Add(error);
                continue;
            }

            if (!result.AsSpan().SequenceEqual(System.Text.Encoding.UTF8.GetString(bytes)))
            {
                edited.Add((file.Path, result, File.Exists(file.Path) ? File.GetUnixFileMode(file.Path) : AtomicFile.PrivateMode));
            }
        }

        // Every file is checked before any is written: a malformed file leaves all of them untouched.
        if (errors.Count > 0)
        {
            return ActionResult.Failed(string.Join("; ", errors));
        }

        foreach (var (path, text, mode) in edited)
        {
            // Kubeconfigs may hold client keys; a key line can be diff context, so it is masked.
            context.Files.Write(path, text, mode, secret: false, maskDiff: MaskKeyData);
            await context.ProgressAsync($"{path}: server set to {action.Server}").ConfigureAwait(false);
        }

        return ActionResult.Succeeded();
    }

    /// <returns>The new text (the old one when nothing changes), or null with an error.</returns>
    internal static string? Edit(string path, byte[] bytes, string server, IReadOnlySet<string> filter, IDictionary<string, string> outputs, out string error)
    {
        var doc = YamlSourceText.TryParse(path, bytes, out error);
        if (doc is null)
        {
            return null;
        }

        var oldServers = new Dictionary<string, string>(StringComparer.Ordinal);
        var text = KubeconfigServer.Edit(doc, server, filter, oldServers, out error);
        foreach (var (name, old) in oldServers)
        {
            outputs[$"old_server:{path}#{name}"] = old;
        }

        return text;
    }

    internal static bool IsServerUrl(string value) => KubeconfigServer.IsServerUrl(value);

    /// <summary>Hides embedded client keys in diffs (client-key-data); the real file keeps them.</summary>
    internal static string MaskKeyData(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].TrimStart();
            if (trimmed.StartsWith("client-key-data:", StringComparison.Ordinal) || trimmed.StartsWith("token:", StringComparison.Ordinal))
            {
                lines[i] = lines[i][..(lines[i].Length - trimmed.Length)] + trimmed[..(trimmed.IndexOf(':', StringComparison.Ordinal) + 1)] + " <redacted>";
            }
        }

        return string.Join('\n', lines);
    }
}
