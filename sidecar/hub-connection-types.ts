import type WebSocket from "ws";
import type { GrantHint } from "../src/contract/frames.js";
import type { BackoffOptions } from "../src/lib/backoff.js";
import type { Clock } from "../src/lib/clock.js";
import type { WatchKey } from "../src/state/key.js";
import type { RevokeReason } from "./held-keys.js";
import type { HubConnectionError } from "./hub-errors.js";

export interface HubConnectionOptions {
  /** ws:// or wss:// URL of the hub's sidecar endpoint, e.g. ws://hub:8080/v1/sidecars. */
  readonly url: string;
  /** Bearer token, read again on every connect (a rotated token file is picked up). */
  readonly token: () => string;
  readonly pod: string;
  readonly namespace: string;
  readonly keys: readonly WatchKey[];
  readonly sidecarVersion: string;
  readonly clock?: Clock;
  /** Reconnect delays (default 250 ms .. 30 s, full jitter). */
  readonly backoff?: BackoffOptions;
  /** Upgrade plus welcome must complete within this (default 5000). */
  readonly connectTimeoutMs?: number;
  readonly maxFrameBytes?: number;
  /** Reports are dropped while more than this many bytes wait to be sent (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /**
   * TLS settings for wss:// (CA bundle, client certificate), asked for on every connect so that
   * rotated files are picked up; a throw counts as a failed connect and is retried with backoff.
   */
  readonly tls?: () => Pick<WebSocket.ClientOptions, "ca" | "cert" | "key" | "rejectUnauthorized">;
}

export interface WelcomeInfo {
  readonly sessionId: string;
  readonly heartbeatIntervalMs: number;
  readonly leaseTimeoutMs: number;
}

/** What happens to the connection, as typed events; the owner decides what to log. */
export interface HubConnectionEvents {
  connected: (welcome: WelcomeInfo) => void;
  /** Start watching and reporting the key; the hint says how the hub's trigger sees its topic. */
  grant: (key: WatchKey, hint: GrantHint) => void;
  /** Stop watching the key. */
  revoke: (key: WatchKey, reason: RevokeReason) => void;
  disconnected: (error: HubConnectionError, retryInMs: number) => void;
}

export interface HubConnectionStats {
  connects: number;
  disconnects: number;
  framesIn: number;
  framesOut: number;
  droppedDisconnected: number;
  droppedNotGranted: number;
  droppedBackpressure: number;
}
