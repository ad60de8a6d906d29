import { int } from "../lib/config-parsers.js";
import { field } from "../lib/config.js";

/**
 * The bounds on KEDA streams. grpc-js holds about 13 KB per open stream (BENCHMARKS.md, hub RSS),
 * most of it on the V8 heap, so an unbounded count lets any client that reaches the gRPC port
 * exhaust the hub's heap (about 15,000 streams under the chart's `--max-old-space-size=128`).
 */
export const DEFAULT_MAX_STREAMS = 8000;

/**
 * Concurrent unary calls a connection may carry beside the streams: KEDA's operator sends its
 * GetMetricSpec / IsActive calls and the metrics adapter its GetMetrics on connections that also
 * hold streams.
 */
export const UNARY_HEADROOM = 100;

/**
 * HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS per connection (`grpc.max_concurrent_streams`). KEDA opens
 * every stream of a scaler address on one shared connection, so one connection must be able to
 * hold all the streams the hub allows, plus the unary calls beside them.
 */
export function perConnectionStreams(maxStreams: number): number {
  return maxStreams + UNARY_HEADROOM;
}

/** `--max-streams`: the hub's bound on open streams across all connections. */
export const maxStreamsField = field({
  flag: "max-streams",
  env: "PPS_MAX_STREAMS",
  doc: "most KEDA streams (StreamIsActive, StreamMetricSpec) open at once over all connections (more: RESOURCE_EXHAUSTED); each costs about 13 KB, see docs/hub.md",
  parser: int(1, 1_000_000),
  default: DEFAULT_MAX_STREAMS,
});
