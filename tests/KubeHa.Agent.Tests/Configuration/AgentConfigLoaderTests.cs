using System.Net;
using KubeHa.Agent.Configuration;
using KubeHa.TestSupport;

namespace KubeHa.Agent.Tests.Configuration;

public sealed class AgentConfigLoaderTests
{
    private const string Tls = """
        tls:
          ca: /etc/kubeha/pki/ca.crt
          cert: /etc/kubeha/pki/agent.crt
          key: /etc/kubeha/pki/agent.key
        """;

    [Fact]
    public void Parse_NoNodeName_UsesTheHostNameInLowerCase()
    {
        var options = AgentConfigLoader.Parse(Tls, "agent.yaml");

        Assert.Equal(Dns.GetHostName().ToLowerInvariant(), options.NodeName);
        Assert.False(string.IsNullOrEmpty(options.NodeName));
    }

    [Fact]
    public void Parse_NodeName_IsTakenAsWritten()
    {
        var options = AgentConfigLoader.Parse("node_name: master-2\n" + Tls, "agent.yaml");

        Assert.Equal("master-2", options.NodeName);
    }

    [Fact]
    public void Parse_EmptyNodeName_IsAnErrorWithItsPosition()
    {
        var e = Assert.Throws<ConfigException>(() => AgentConfigLoader.Parse("node_name: ''\n" + Tls, "agent.yaml"));

        Assert.Contains(e.Errors, m => m.StartsWith("agent.yaml:1:", StringComparison.Ordinal) && m.Contains("node_name", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_PackagedDefaultConfig_IsValid()
    {
        var path = Path.Combine(RepoPaths.Root, "packaging", "config", "agent.yaml");

        var options = AgentConfigLoader.Load(path);

        Assert.Equal("0.0.0.0:7443", options.Listen);
        Assert.Equal("/var/lib/kubeha", options.StateDir);
        Assert.Contains("/etc/hosts", options.AllowedRoots);
        Assert.Contains("/etc/kubernetes", options.AllowedRoots);
    }
}
