import { Counter, Gauge, Histogram, type Registry } from "prom-client";

/** The KEDA service's instruments (see docs/hub.md, Metrics). */
export interface KedaMetrics {
  readonly requests: Counter<"method" | "code">;
  readonly duration: Histogram<"method" | "code">;
  readonly openStreams: Gauge<"method">;
  readonly pushes: Counter<"method">;
  readonly streamsRefused: Counter<"method">;
}

/** Seconds; suits in-memory RPC handlers (sub-millisecond) up to KEDA's 3 s budget. */
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export function createKedaMetrics(register: Registry): KedaMetrics {
  const registers = [register];
  return {
    requests: new Counter({
      name: "pps_grpc_requests_total",
      help: "KEDA gRPC calls by method and status code (streams counted when they open or fail to open)",
      labelNames: ["method", "code"],
      registers,
    }),
    duration: new Histogram({
      name: "pps_grpc_request_duration_seconds",
      help: "Time to answer unary KEDA gRPC calls, in seconds",
      labelNames: ["method", "code"],
      buckets: RPC_BUCKETS,
      registers,
    }),
    openStreams: new Gauge({
      name: "pps_grpc_open_streams",
      help: "Open KEDA gRPC streams by method",
      labelNames: ["method"],
      registers,
    }),
    pushes: new Counter({
      name: "pps_grpc_stream_messages_total",
      help: "Messages written on KEDA gRPC streams (StreamIsActive: pushed activations)",
      labelNames: ["method"],
      registers,
    }),
    streamsRefused: new Counter({
      name: "pps_grpc_streams_refused_total",
      help: "KEDA streams refused with RESOURCE_EXHAUSTED because --max-streams streams were open",
      labelNames: ["method"],
      registers,
    }),
  };
}
