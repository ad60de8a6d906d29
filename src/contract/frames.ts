import type { WatchKey } from "../state/key.js";
import type { Observation } from "../state/observation.js";
import type { ProtocolVersion } from "./version.js";

/**
 * Frames of the sidecar <-> hub channel: one JSON object per WebSocket text message, each with the
 * protocol version `v` and a `type`. schema.ts checks every field; docs/sidecar-protocol.md
 * describes them for people.
 */

// ---- sidecar -> hub -----------------------------------------------------------------------------

/** First frame of a session: who the sidecar is and which keys it can watch. */
export interface HelloFrame {
  readonly v: ProtocolVersion;
  readonly type: "hello";
  readonly pod: string;
  readonly namespace: string;
  /** At most LIMITS.maxKeys, no duplicates. */
  readonly keys: readonly WatchKey[];
  readonly sidecarVersion: string;
}

/** A stats reading of a key the sidecar holds a grant for. */
export interface ObservationFrame {
  readonly v: ProtocolVersion;
  readonly type: "observation";
  readonly key: WatchKey;
  readonly observation: Observation;
}

/**
 * A message arrived on a key the sidecar holds a grant for. Only the receive time is sent: it is
 * all the hub reads (a v1 arrival's `partition` and `publishTime` are dropped on decoding).
 */
export interface ArrivalFrame {
  readonly v: ProtocolVersion;
  readonly type: "arrival";
  readonly key: WatchKey;
  /** When the sidecar received it (epoch ms). */
  readonly receivedAt: number;
}

/** The watcher of a held key failed (stats or reader); the hub records it as the key's last error. */
export interface ErrorFrame {
  readonly v: ProtocolVersion;
  readonly type: "error";
  readonly key: WatchKey;
  /** Name of the error class, e.g. "TimeoutError". */
  readonly errorClass: string;
  /** At most LIMITS.errorMessageBytes UTF-8 bytes. */
  readonly message: string;
}

/** Liveness, both directions. */
export interface HeartbeatFrame {
  readonly v: ProtocolVersion;
  readonly type: "heartbeat";
  /** Sender's clock, epoch ms. */
  readonly sentAt: number;
}

// ---- hub -> sidecar -----------------------------------------------------------------------------

/** Answer to hello: the session is open. */
export interface WelcomeFrame {
  readonly v: ProtocolVersion;
  readonly type: "welcome";
  readonly sessionId: string;
  /** How often each end sends a heartbeat. */
  readonly heartbeatIntervalMs: number;
  /** A session with no frame for this long is dead; the sidecar keeps held keys this long. */
  readonly leaseTimeoutMs: number;
}

/** What the hub knows about a granted key's topic, so the sidecar's watcher acts as the hub's would. */
export interface GrantHint {
  /** The trigger's isPartitionedTopic; absent = auto-detect (v2; a v1 grant never has it). */
  readonly partitioned?: boolean;
}

/** The sidecar now watches this key (one of those it announced) and reports it. */
export interface GrantFrame extends GrantHint {
  readonly v: ProtocolVersion;
  readonly type: "grant";
  readonly key: WatchKey;
}

/** The sidecar stops watching and reporting this key. */
export interface RevokeFrame {
  readonly v: ProtocolVersion;
  readonly type: "revoke";
  readonly key: WatchKey;
}

// ---- unions -------------------------------------------------------------------------------------

/** A report about a held key. */
export type ReportFrame = ObservationFrame | ArrivalFrame | ErrorFrame;
export type SidecarFrame = HelloFrame | ReportFrame | HeartbeatFrame;
export type HubFrame = WelcomeFrame | GrantFrame | RevokeFrame | HeartbeatFrame;
export type Frame = SidecarFrame | HubFrame;
export type FrameType = Frame["type"];

export const SIDECAR_FRAME_TYPES = Object.freeze([
  "hello",
  "observation",
  "arrival",
  "error",
  "heartbeat",
] as const satisfies readonly SidecarFrame["type"][]);

export const HUB_FRAME_TYPES = Object.freeze([
  "welcome",
  "grant",
  "revoke",
  "heartbeat",
] as const satisfies readonly HubFrame["type"][]);
