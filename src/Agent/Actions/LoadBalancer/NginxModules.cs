namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>
/// How the rendered nginx.conf gets the stream module. Debian builds it as a dynamic
/// module (/usr/lib/nginx/modules/ngx_stream_module.so) and libnginx-mod-stream drops
/// /etc/nginx/modules-enabled/50-mod-stream.conf, which loads it. Loading it twice is a
/// fatal error, so <c>load_module</c> is emitted only when the kept include does not
/// already load it; with no module file the module is assumed to be built in.
/// </summary>
internal sealed record NginxModules(string? IncludeGlob, string? LoadModulePath)
{
    public const string DefaultModulesEnabledDir = "/etc/nginx/modules-enabled";
    public const string DefaultStreamModulePath = "/usr/lib/nginx/modules/ngx_stream_module.so";

    public static NginxModules Detect(string modulesEnabledDir, string streamModulePath)
    {
        string? include = null;
        var loadedByInclude = false;
        if (Directory.Exists(modulesEnabledDir))
        {
            include = Path.Combine(modulesEnabledDir, "*.conf");
            loadedByInclude = Directory.EnumerateFiles(modulesEnabledDir, "*.conf")
                .Any(f => File.ReadLines(f).Any(l =>
                    l.TrimStart().StartsWith("load_module", StringComparison.Ordinal) &&
                    l.Contains("ngx_stream_module", StringComparison.Ordinal)));
        }

        var load = !loadedByInclude && File.Exists(streamModulePath) ? streamModulePath : null;
        return new NginxModules(include, load);
    }
}
