using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;
using NginxSpec = KubeHa.Protos.Agent.V1.NginxConfigAction;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>
/// Writes the whole nginx.conf of an API server stream proxy, validated with <c>nginx -t</c>
/// first. Does not reload nginx.
/// </summary>
internal sealed class NginxConfigAction : IStepAction
{
    private readonly ConfigValidator _validator;
    private readonly string _modulesEnabledDir;
    private readonly string _streamModulePath;

    public NginxConfigAction()
        : this(ConfigValidator.Nginx(), NginxModules.DefaultModulesEnabledDir, NginxModules.DefaultStreamModulePath)
    {
    }

    internal NginxConfigAction(ConfigValidator validator, string modulesEnabledDir, string streamModulePath)
    {
        _validator = validator;
        _modulesEnabledDir = modulesEnabledDir;
        _streamModulePath = streamModulePath;
    }

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.NginxConfig;

    public Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        NginxSpec action = spec.NginxConfig;
        var errors = NginxConfigRenderer.Validate(action);
        if (errors.Count > 0)
        {
            return Task.FromResult(ActionResult.Refused($"nginx_config: {string.Join("; ", errors)}"));
        }

        var path = string.IsNullOrEmpty(action.ConfigPath) ? NginxConfigRenderer.DefaultPath : action.ConfigPath;
        var rendered = NginxConfigRenderer.Render(action, NginxModules.Detect(_modulesEnabledDir, _streamModulePath));
        return LbConfigFile.ApplyAsync(context, _validator, path, rendered, LbConfigFile.ModeOf(path), maskDiff: null, cancellationToken);
    }
}
