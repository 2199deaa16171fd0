namespace KubeHa.Coordinator.Inventory;

/// <summary>Every problem found in an inventory, each as "file:line:column: message".</summary>
public sealed class InventoryException(IReadOnlyList<string> errors) : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
