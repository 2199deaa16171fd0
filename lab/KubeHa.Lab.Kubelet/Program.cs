using KubeHa.Lab.Kubelet;

var options = StandInOptions.Parse(args, out var errors);
if (errors.Count > 0)
{
    foreach (var error in errors)
    {
        Console.Error.WriteLine($"kubeha-lab-kubelet: {error}");
    }

    Console.Error.WriteLine(StandInOptions.Usage);
    return 2;
}

var time = TimeProvider.System;
var log = new Log(time);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
    System.Runtime.InteropServices.PosixSignal.SIGTERM,
    ctx =>
    {
        ctx.Cancel = true;
        stop.Cancel();
    });

log.Info($"kubeha lab kubelet stand-in for node {options.NodeName} ({options.NodeIp}); manifests {options.ManifestDir}; kubeconfig {options.Kubeconfig}");
using var clients = new ApiClientProvider(options, log);
var runner = new StaticPodRunner(options, time, log);
var node = new NodeAgent(options, clients, new TlsBootstrapper(options, time, log), time, log);
var mirrors = new MirrorPodSync(options, runner, node, clients, time, log);
var healthz = new HealthzServer(options, log);

try
{
    await Task.WhenAll(runner.RunAsync(stop.Token), node.RunAsync(stop.Token), mirrors.RunAsync(stop.Token), healthz.RunAsync(stop.Token));
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}

// Static pods keep running, as containers outlive the kubelet; the next run adopts them.
log.Info("stopped (static pods left running)");
return 0;
