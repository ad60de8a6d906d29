import type { HelloFrame } from "../contract/frames.js";
import { LIMITS } from "../contract/limits.js";

/**
 * What sidecar sessions may make the hub keep. A joined session holds its hello's keys several
 * times over: the announced list, the session's key ledger (session-keys.ts), the lease table's
 * announcements and its announcer index (src/state/leases.ts), each key text a string of its own.
 * 789 hellos of maximal size once took a chart-capped hub (128 MB old space) down, well under the
 * 2,048 connections allowed, so the gateway counts what each session holds and refuses a hello
 * (4007) that would take one session, or all of them, over a bound.
 */

// Measured with the real gateway and lease coordinator (V8 heap after GC, Node 20): 12.1 KB per
// session of one key, 27 KB with 20 keys, 208 KB for a maximal hello (256 keys, 61 KB frame); the
// estimate below gives 12.5, 27.5 and 211 KB. RSS is about 1.5 times the heap figure.

/** Copies of each key's text a joined session keeps (see above). */
const KEY_COPIES = 3;
/** Per key: the WatchKey object, and an entry in each of four sets and maps (V8, 64-bit). */
const KEY_OVERHEAD_BYTES = 200;
/** Per session: the session, its timers, token bucket, ws and socket objects and buffers. */
const SESSION_OVERHEAD_BYTES = 12 * 1024;

export interface GatewayLimits {
  /** Keys one hello may announce (at most the contract's LIMITS.maxKeys). */
  readonly maxKeysPerHello: number;
  /** Bytes one session may hold (sessionBytes). */
  readonly maxSessionBytes: number;
  /** Bytes all joined sessions may hold together. */
  readonly maxTotalBytes: number;
}

/**
 * Defaults sized for the chart (hub.nodeOptions `--max-old-space-size=128`, limit 256 Mi): the
 * streams' default share is 64 MB of that heap (docs/hub.md, Limits), sessions get 32 MiB: the
 * 2,048 connections allowed as sidecars of one key each, or about 155 holding a large hello. One
 * session may hold 128 KiB (about 230 keys of 100 characters).
 */
export const DEFAULT_GATEWAY_LIMITS: GatewayLimits = Object.freeze({
  maxKeysPerHello: LIMITS.maxKeys,
  maxSessionBytes: 128 * 1024,
  maxTotalBytes: 32 * 1024 * 1024,
});

/** The bytes a session that sent `hello` holds once joined (an estimate from its text). */
export function sessionBytes(hello: HelloFrame): number {
  let bytes = SESSION_OVERHEAD_BYTES;
  bytes +=
    Buffer.byteLength(hello.pod) +
    Buffer.byteLength(hello.namespace) +
    Buffer.byteLength(hello.sidecarVersion);
  for (const k of hello.keys) {
    const text =
      Buffer.byteLength(k.cluster) + Buffer.byteLength(k.topic) + Buffer.byteLength(k.subscription);
    bytes += KEY_COPIES * text + KEY_OVERHEAD_BYTES;
  }
  return bytes;
}

/** Which bound a hello is over. */
export type OverLimit = "too_many_keys" | "session_too_large" | "gateway_full";

/** The bytes held by every joined session of one gateway, against its limits. */
export class GatewayBudget {
  private heldBytes = 0;

  constructor(readonly limits: GatewayLimits) {}

  get held(): number {
    return this.heldBytes;
  }

  /**
   * Reserves the bytes of a hello, or says which bound it is over (nothing reserved) and a reason
   * naming the bound and its flag.
   */
  admit(hello: HelloFrame): { bytes: number } | { over: OverLimit; reason: string } {
    const { maxKeysPerHello, maxSessionBytes, maxTotalBytes } = this.limits;
    if (hello.keys.length > maxKeysPerHello) {
      const reason = `hello has ${hello.keys.length} keys, over ${maxKeysPerHello} (--gateway-max-keys-per-hello)`;
      return { over: "too_many_keys", reason };
    }
    const bytes = sessionBytes(hello);
    if (bytes > maxSessionBytes) {
      const reason = `hello holds ${bytes} bytes, over ${maxSessionBytes} (--gateway-max-session-bytes)`;
      return { over: "session_too_large", reason };
    }
    if (this.heldBytes + bytes > maxTotalBytes) {
      const reason = `gateway full: sessions hold ${this.heldBytes} of ${maxTotalBytes} bytes (--gateway-max-bytes)`;
      return { over: "gateway_full", reason };
    }
    this.heldBytes += bytes;
    return { bytes };
  }

  release(bytes: number): void {
    this.heldBytes = Math.max(0, this.heldBytes - bytes);
  }
}
