namespace KubeHa.TestSupport;

/// <summary>
/// xunit trait values for "Category". Unit: no root, no external programs. Root: needs root
/// and real programs from Debian (nginx, haproxy, keepalived, etcd, openssl). Lab: needs the
/// lab (network namespaces and the Kubernetes binaries).
/// </summary>
public static class Categories
{
    public const string Name = "Category";
    public const string Unit = "Unit";
    public const string Root = "Root";
    public const string Lab = "Lab";
}
