using System.Diagnostics;
using System.Net;
using KubeHa.Coordinator.Pki;
using KubeHa.TestSupport;

namespace KubeHa.Coordinator.Tests.Pki;

[Trait(Categories.Name, Categories.Unit)]
public sealed class PkiStoreTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Init_NewStateDir_WritesCaAndCoordinatorWithPrivateKeys0600()
    {
        var pki = new PkiStore(_dir.Path, TimeProvider.System);
        pki.Init(["coord.example"], [IPAddress.Parse("10.0.0.5")]);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pki.CaKey));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pki.CoordinatorKey));
        Assert.Equal(0, Openssl("verify", "-CAfile", pki.CaCert, pki.CoordinatorCert).Code);
    }

    [Fact]
    public void Init_Twice_RefusesAndKeepsTheCa()
    {
        var pki = new PkiStore(_dir.Path, TimeProvider.System);
        pki.Init([], []);
        var before = File.ReadAllText(pki.CaCert);

        var e = Assert.Throws<PkiException>(() => pki.Init([], []));

        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(pki.CaCert));
    }

    [Fact]
    public void IssueAgent_NodeAndIps_CertVerifiesAndCarriesSans()
    {
        var pki = new PkiStore(_dir.Path, TimeProvider.System);
        pki.Init([], []);
        var outDir = _dir.Combine("agent");

        pki.IssueAgent("master-1", ["m1.lab"], [IPAddress.Parse("10.77.0.11")], outDir);

        Assert.Equal(0, Openssl("verify", "-CAfile", Path.Combine(outDir, "ca.crt"), Path.Combine(outDir, "agent.crt")).Code);
        var text = Openssl("x509", "-noout", "-text", "-in", Path.Combine(outDir, "agent.crt")).Output;
        Assert.Contains("DNS:master-1", text, StringComparison.Ordinal);
        Assert.Contains("DNS:m1.lab", text, StringComparison.Ordinal);
        Assert.Contains("IP Address:10.77.0.11", text, StringComparison.Ordinal);
        Assert.Contains("O = kubeha:agent", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(outDir, "agent.key")));
    }

    [Fact]
    public void IssueAgent_WithoutInit_FailsWithHint()
    {
        var pki = new PkiStore(_dir.Path, TimeProvider.System);
        var e = Assert.Throws<PkiException>(() => pki.IssueAgent("n", [], [], _dir.Combine("x")));
        Assert.Contains("kubeha pki init", e.Message, StringComparison.Ordinal);
    }

    private static (int Code, string Output) Openssl(params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }
}
