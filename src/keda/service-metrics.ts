import type { Counter, Gauge, Histogram, Metrics } from "../lib/metrics.js";

/** The KEDA service's instruments (see docs/keda.md, /metrics reference). */
export interface KedaMetrics {
  readonly requests: Counter<"method" | "code">;
  readonly duration: Histogram<"method" | "code">;
  readonly openStreams: Gauge<"method">;
  readonly pushes: Counter<"method">;
}

export function createKedaMetrics(metrics: Metrics): KedaMetrics {
  return {
    requests: metrics.counter(
      "pps_grpc_requests_total",
      "KEDA gRPC calls by method and status code (streams counted when they open or fail to open)",
      ["method", "code"],
    ),
    duration: metrics.histogram(
      "pps_grpc_request_duration_seconds",
      "Time to answer unary KEDA gRPC calls, in seconds",
      ["method", "code"],
    ),
    openStreams: metrics.gauge("pps_grpc_open_streams", "Open KEDA gRPC streams by method", ["method"]),
    pushes: metrics.counter(
      "pps_grpc_stream_messages_total",
      "Messages written on KEDA gRPC streams (StreamIsActive: pushed activations)",
      ["method"],
    ),
  };
}
