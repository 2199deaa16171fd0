using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>Writes the whole haproxy.cfg, validated with <c>haproxy -c</c> first. Does not reload haproxy.</summary>
internal sealed class HaproxyConfigAction : IStepAction
{
    private readonly ConfigValidator _validator;

    public HaproxyConfigAction()
        : this(ConfigValidator.Haproxy())
    {
    }

    internal HaproxyConfigAction(ConfigValidator validator) => _validator = validator;

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.HaproxyConfig;

    public Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var action = spec.HaproxyConfig;
        var errors = HaproxyConfigRenderer.Validate(action);
        if (errors.Count > 0)
        {
            return Task.FromResult(ActionResult.Refused($"haproxy_config: {string.Join("; ", errors)}"));
        }

        var path = string.IsNullOrEmpty(action.ConfigPath) ? HaproxyConfigRenderer.DefaultPath : action.ConfigPath;
        return LbConfigFile.ApplyAsync(context, _validator, path, HaproxyConfigRenderer.Render(action), LbConfigFile.ModeOf(path), maskDiff: null, cancellationToken);
    }
}
