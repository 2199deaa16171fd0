using KubeHa.Protos.Agent.V1;
using KubeHa.Protos.Coordinator.V1;

namespace KubeHa.Coordinator.Planning;

/// <summary>
/// Collects the steps of one phase. Step ids are "{phase}.{node}.{what}" (or "{phase}.{what}"
/// for cluster steps): stable across re-planning, valid as agent step ids, unique in a plan.
/// </summary>
public sealed class PhaseBuilder
{
    private readonly Phase _phase;
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

    public PhaseBuilder(string name, string description)
    {
        _phase = new Phase { Name = name, Description = description };
    }

    public string Name => _phase.Name;

    public Phase Build() => _phase;

    /// <summary>An agent step on <paramref name="node"/>.</summary>
    public PlannedStep Agent(string node, string what, string description, StepSpec spec, string wave = "")
    {
        var step = new PlannedStep { Id = Id($"{node}.{what}"), Node = node, Description = description, Agent = spec, Wave = wave };
        _phase.Steps.Add(step);
        return step;
    }

    /// <summary>An agent step whose failure stops the run (a health or state check).</summary>
    public PlannedStep AgentGate(string node, string what, string description, StepSpec spec, string wave = "")
    {
        var step = Agent(node, what, description, spec, wave);
        step.Gate = true;
        return step;
    }

    /// <summary>An agent dry run that must pass (and, with <paramref name="verify"/> Unchanged, change nothing).</summary>
    public PlannedStep AgentVerify(string node, string what, string description, StepSpec spec, StepVerify verify, string wave = "")
    {
        var step = AgentGate(node, what, description, spec, wave);
        step.Verify = verify;
        return step;
    }

    /// <summary>A step the coordinator performs through the Kubernetes API.</summary>
    public PlannedStep Cluster(string what, string description, ClusterStep cluster, bool gate = false)
    {
        var step = new PlannedStep { Id = Id(what), Description = description, Cluster = cluster, Gate = gate };
        _phase.Steps.Add(step);
        return step;
    }

    private string Id(string suffix)
    {
        var id = $"{_phase.Name}.{suffix}";
        if (!_ids.Add(id))
        {
            throw new InvalidOperationException($"planner: step id '{id}' used twice in phase {_phase.Name}");
        }

        return id;
    }
}
