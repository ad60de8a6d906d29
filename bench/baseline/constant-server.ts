import type * as grpc from "@grpc/grpc-js";
import type {
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from "../../src/keda/messages.js";

/**
 * The ceiling of the KEDA read path: a bare grpc-js ExternalScaler answering every RPC with a
 * constant (no metadata parsing, no state). The hub is measured against it, same client, same load.
 */
export function constantService(): grpc.UntypedServiceImplementation {
  const spec: GetMetricSpecResponse = {
    metricSpecs: [{ metricName: "constant", targetSize: 10, targetSizeFloat: 10 }],
  };
  return {
    GetMetricSpec: (
      _call: grpc.ServerUnaryCall<ScaledObjectRef, GetMetricSpecResponse>,
      cb: grpc.sendUnaryData<GetMetricSpecResponse>,
    ) => cb(null, spec),
    GetMetrics: (
      call: grpc.ServerUnaryCall<GetMetricsRequest, GetMetricsResponse>,
      cb: grpc.sendUnaryData<GetMetricsResponse>,
    ) =>
      cb(null, {
        metricValues: [{ metricName: call.request.metricName, metricValue: 5, metricValueFloat: 5 }],
      }),
    IsActive: (
      _call: grpc.ServerUnaryCall<ScaledObjectRef, IsActiveResponse>,
      cb: grpc.sendUnaryData<IsActiveResponse>,
    ) => cb(null, { result: true }),
    StreamIsActive: (call: grpc.ServerWritableStream<ScaledObjectRef, IsActiveResponse>) => {
      call.write({ result: true });
      call.on("cancelled", () => call.end());
    },
  };
}
