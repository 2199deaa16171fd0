using Xunit;

namespace KubeHa.TestSupport.Lab;

/// <summary>A fact that needs root and brings up the lab; skipped, with the reason, when not root.</summary>
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Skip = "the lab needs root (network and mount namespaces, bind mounts): run the Lab tests as root";
        }
    }
}
