using Grpc.Core;
using KubeHa.Common.Pki;
using KubeHa.Protos.Agent.V1;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KubeHa.Coordinator.Drift;

/// <summary>
/// Accepts agents' drift reports. The TLS layer already admitted only KubeHa agent certificates;
/// here an agent may report only for the node its certificate names.
/// </summary>
internal sealed partial class DriftCollectorGrpcService(DriftStore store, ILogger<DriftCollectorGrpcService> logger) : DriftCollectorService.DriftCollectorServiceBase
{
    public override Task<ReportDriftResponse> ReportDrift(ReportDriftRequest request, ServerCallContext context)
    {
        var report = request.Report ?? throw new RpcException(new Status(StatusCode.InvalidArgument, "no report"));
        var cert = context.GetHttpContext().Connection.ClientCertificate;
        var node = cert is null ? null : KubeHaIdentity.CommonName(cert);
        if (node is null || !string.Equals(node, report.Node, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"the agent certificate is for node '{node}', the report is for '{report.Node}'"));
        }

        if (report.Node.StartsWith('@'))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"'{report.Node}' is not a node name"));
        }

        var acknowledged = store.Apply(report.Node, report);
        LogReport(logger, report.Node, report.Sequence, report.Items.Count, acknowledged);
        return Task.FromResult(new ReportDriftResponse { AcknowledgedSequence = acknowledged });
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Information, Message = "drift report {Sequence} from {Node}: {Count} open item(s); acknowledged {Acknowledged}")]
    private static partial void LogReport(ILogger logger, string node, ulong sequence, int count, ulong acknowledged);
}
