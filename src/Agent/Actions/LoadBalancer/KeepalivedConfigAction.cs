using KubeHa.Agent.Steps;
using KubeHa.Protos.Agent.V1;

namespace KubeHa.Agent.Actions.LoadBalancer;

/// <summary>
/// Writes the whole keepalived.conf (mode 0600: it holds the VRRP password), validated with
/// <c>keepalived -t</c> first; the password is masked in diffs and never logged. Does not
/// reload keepalived.
/// </summary>
internal sealed class KeepalivedConfigAction : IStepAction
{
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly ConfigValidator _validator;

    public KeepalivedConfigAction()
        : this(ConfigValidator.Keepalived())
    {
    }

    internal KeepalivedConfigAction(ConfigValidator validator) => _validator = validator;

    public StepSpec.ActionOneofCase Case => StepSpec.ActionOneofCase.KeepalivedConfig;

    public FileRestoreOptions RestoreOptions(StepSpec spec) => new(KeepalivedConfigRenderer.MaskAuthPass);

    public Task<ActionResult> ExecuteAsync(StepSpec spec, StepContext context, CancellationToken cancellationToken)
    {
        var action = spec.KeepalivedConfig;
        var errors = KeepalivedSpecValidator.Validate(action);
        if (errors.Count > 0)
        {
            return Task.FromResult(ActionResult.Refused($"keepalived_config: {string.Join("; ", errors)}"));
        }

        var path = string.IsNullOrEmpty(action.ConfigPath) ? KeepalivedConfigRenderer.DefaultPath : action.ConfigPath;
        var rendered = KeepalivedConfigRenderer.Render(action, context.Node);
        return LbConfigFile.ApplyAsync(context, _validator, path, rendered, Mode, KeepalivedConfigRenderer.MaskAuthPass, cancellationToken);
    }
}
