using Xunit.Abstractions;
using Xunit.Sdk;

namespace KubeHa.Lab.Tests.Cluster;

/// <summary>Position of a test within a class run by <see cref="DeclaredOrderer"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OrderAttribute(int position) : Attribute
{
    public int Position { get; } = position;
}

/// <summary>Runs the tests of a class by their <see cref="OrderAttribute"/> (the lab's tests share one cluster; `down` goes last).</summary>
public sealed class DeclaredOrderer : ITestCaseOrderer
{
    public const string TypeName = "KubeHa.Lab.Tests.Cluster.DeclaredOrderer";
    public const string AssemblyName = "KubeHa.Lab.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(OrderAttribute).AssemblyQualifiedName)
            .FirstOrDefault()?.GetConstructorArguments().OfType<int>().FirstOrDefault() ?? int.MaxValue);
}
