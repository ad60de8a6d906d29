import type { WatchKey } from "../state/key.js";
import type { Observation } from "../state/observation.js";
import type { GrantHint, HelloFrame } from "../contract/frames.js";
import type { RejectReason } from "./gateway-stats.js";

/**
 * What the gateway offers the hub's lease logic, and what it asks of it. The gateway knows nothing
 * about leases: it authenticates, validates, enforces limits and calls a SidecarHandler.
 */

/** One sidecar connection that sent a valid hello. */
export interface SidecarSession {
  /** Random id, also sent to the sidecar in the welcome frame. */
  readonly id: string;
  readonly pod: string;
  readonly namespace: string;
  readonly sidecarVersion: string;
  /** The keys announced in hello, in order, no duplicates. */
  readonly keys: readonly WatchKey[];
  /** Peer address, for logs. */
  readonly remoteAddress: string;
  /** False once the session has ended (after which `left` has been called, or is being called). */
  readonly open: boolean;
  announced(key: WatchKey): boolean;
  /** Whether the session holds a grant for the key. */
  holds(key: WatchKey): boolean;
  /**
   * Lets the sidecar watch and report the key: sends a grant frame, with the hint of the key's
   * trigger (so the sidecar's watcher treats the topic as the hub's would). Idempotent; a no-op on
   * an ended session. Throws KeyNotAnnouncedError for a key the sidecar did not announce.
   */
  grant(key: WatchKey, hint?: GrantHint): void;
  /** Sends a revoke frame if the key is held. Idempotent; a no-op on an ended session. */
  revoke(key: WatchKey): void;
  /** Ends the session with a close code (1000, 1001 or 4000-4999) and a reason (cut to 123 bytes). */
  close(code: number, reason: string): void;
}

/** An arrival as the hub reads it: only when the sidecar received it (its clock, epoch ms). */
export interface ArrivalReport {
  readonly receivedAt: number;
}

/** Why a session ended. */
export type EndCause =
  /** The peer closed or the connection broke. */
  | "peer"
  /** `SidecarSession.close` was called. */
  | "closed"
  /** The gateway shuts down (1001). */
  | "shutdown"
  | RejectReason;

export interface SessionEnd {
  readonly code: number;
  readonly reason: string;
  readonly cause: EndCause;
}

/**
 * Called by the gateway, synchronously, in frame order per session. Reports arrive only for keys the
 * session announced and holds. `left` is called exactly once for every session `joined` was called
 * for, as soon as the session ends (before its socket has finished closing). An exception thrown by
 * a handler method is logged and does not end the session.
 */
export interface SidecarHandler {
  joined(session: SidecarSession, hello: HelloFrame): void;
  observation(session: SidecarSession, key: WatchKey, observation: Observation): void;
  arrival(session: SidecarSession, key: WatchKey, arrival: ArrivalReport): void;
  error(session: SidecarSession, key: WatchKey, errorClass: string, message: string): void;
  heartbeat(session: SidecarSession, sentAt: number): void;
  left(session: SidecarSession, end: SessionEnd): void;
}
