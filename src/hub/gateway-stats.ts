import { Counter, Gauge, type Registry } from "prom-client";
import { CloseCode } from "../contract/close-codes.js";
import type { HubFrame, SidecarFrame } from "../contract/frames.js";
import type { OverLimit } from "./gateway-budget.js";

/** Why the gateway answered an upgrade with an HTTP error instead of a WebSocket. */
export type UpgradeRejection = "not_found" | "unauthorized" | "unavailable";

/** Why the gateway ended a session itself. Each has one close code (docs/sidecar-protocol.md). */
export type RejectReason =
  | "hello_timeout"
  | "hello_required"
  | "too_large"
  | "malformed"
  | "invalid"
  | "unsupported_version"
  | "key_not_announced"
  | "key_not_leased"
  | "rate_limited"
  | "slow_consumer"
  | "lease_timeout"
  /** The hello names a namespace its token does not speak for. */
  | "namespace_forbidden"
  /** The hello announces a key of a cluster the hub does not know. */
  | "cluster_unknown"
  /** Over a gateway memory bound (gateway-budget.ts): keys per hello, bytes per session, total. */
  | OverLimit;

/** The close code of each reject reason. */
export const REJECT_CODES: Readonly<Record<RejectReason, number>> = Object.freeze({
  hello_timeout: CloseCode.helloRequired,
  hello_required: CloseCode.helloRequired,
  too_large: CloseCode.tooLarge,
  malformed: CloseCode.invalidFrame,
  invalid: CloseCode.invalidFrame,
  unsupported_version: CloseCode.unsupportedVersion,
  key_not_announced: CloseCode.keyNotLeased,
  key_not_leased: CloseCode.keyNotLeased,
  rate_limited: CloseCode.rateLimited,
  slow_consumer: CloseCode.slowConsumer,
  lease_timeout: CloseCode.leaseTimeout,
  namespace_forbidden: CloseCode.forbidden,
  cluster_unknown: CloseCode.forbidden,
  too_many_keys: CloseCode.overLimit,
  session_too_large: CloseCode.overLimit,
  gateway_full: CloseCode.overLimit,
});

/** Counters of the gateway, for tests and introspection (/metrics reads GatewayMetrics). A plain object; `stats()` returns a copy. */
export interface GatewayStats {
  /** WebSockets open, including those still waiting for hello. */
  connectionsOpen: number;
  /** Sessions that sent a valid hello and have not left yet. */
  sessionsOpen: number;
  /** Sessions that ever joined. */
  sessionsJoined: number;
  upgradesRejected: Record<UpgradeRejection, number>;
  framesIn: Record<SidecarFrame["type"], number>;
  framesOut: Record<HubFrame["type"], number>;
  rejected: Record<RejectReason, number>;
  /** Reports for a key revoked moments before (the sidecar had not seen the revoke yet). */
  reportsAfterRevoke: number;
  /** Frames not sent because the session had ended. */
  framesNotSent: number;
}

export function emptyStats(): GatewayStats {
  return {
    connectionsOpen: 0,
    sessionsOpen: 0,
    sessionsJoined: 0,
    upgradesRejected: { not_found: 0, unauthorized: 0, unavailable: 0 },
    framesIn: { hello: 0, observation: 0, arrival: 0, error: 0, heartbeat: 0 },
    framesOut: { welcome: 0, grant: 0, revoke: 0, heartbeat: 0 },
    rejected: {
      hello_timeout: 0,
      hello_required: 0,
      too_large: 0,
      malformed: 0,
      invalid: 0,
      unsupported_version: 0,
      key_not_announced: 0,
      key_not_leased: 0,
      rate_limited: 0,
      slow_consumer: 0,
      lease_timeout: 0,
      namespace_forbidden: 0,
      cluster_unknown: 0,
      too_many_keys: 0,
      session_too_large: 0,
      gateway_full: 0,
    },
    reportsAfterRevoke: 0,
    framesNotSent: 0,
  };
}

export function copyStats(s: GatewayStats): GatewayStats {
  return {
    ...s,
    upgradesRejected: { ...s.upgradesRejected },
    framesIn: { ...s.framesIn },
    framesOut: { ...s.framesOut },
    rejected: { ...s.rejected },
  };
}

/**
 * The gateway's Prometheus instruments (docs/hub.md, Metrics), updated where sessions open and
 * close and where connections are refused. Built by the hub whether or not the gateway is on, so
 * a hub without sidecars shows 0 connected.
 */
export interface GatewayMetrics {
  readonly sessionsConnected: Gauge;
  readonly rejections: Counter<"stage" | "reason">;
  /** The hub's one check of sidecar reports: a report racing a revoke is dropped, not fatal. */
  readonly reportsDropped: Counter;
  /** What joined sessions hold, as the gateway counts it against --gateway-max-bytes. */
  readonly heldBytes: Gauge;
}

export function createGatewayMetrics(register: Registry): GatewayMetrics {
  const registers = [register];
  const m: GatewayMetrics = {
    sessionsConnected: new Gauge({
      name: "pps_sidecars_connected",
      help: "sidecar sessions open",
      registers,
    }),
    rejections: new Counter({
      name: "pps_gateway_rejections_total",
      help: "sidecar connections refused at upgrade, or sessions ended by the hub, by reason",
      labelNames: ["stage", "reason"],
      registers,
    }),
    reportsDropped: new Counter({
      name: "pps_hub_reports_dropped_total",
      help: "sidecar reports the hub dropped because they raced a revoke (the sidecar had not seen it yet)",
      registers,
    }),
    heldBytes: new Gauge({
      name: "pps_gateway_held_bytes",
      help: "bytes the joined sidecar sessions hold, as counted against --gateway-max-bytes",
      registers,
    }),
  };
  const zero = emptyStats();
  for (const reason of Object.keys(zero.upgradesRejected)) m.rejections.inc({ stage: "upgrade", reason }, 0);
  for (const reason of Object.keys(zero.rejected)) m.rejections.inc({ stage: "session", reason }, 0);
  return m;
}
