import { CloseCode } from "./close-codes.js";
import type { HubFrame } from "./frames.js";
import { PROTOCOL_VERSION, type ProtocolVersion } from "./version.js";

/**
 * A hub frame as a peer of `version` reads it: the hub answers each session in the version of its
 * hello. A v1 grant has no hint (the v1 sidecar auto-detects, as it always did); every other hub
 * frame has the same fields in both versions.
 */
export function hubFrameFor(frame: HubFrame, version: ProtocolVersion): HubFrame {
  if (version === PROTOCOL_VERSION) return frame;
  if (frame.type === "grant") return { v: version, type: "grant", key: frame.key };
  return { ...frame, v: version };
}

/**
 * The close code a peer of `version` is sent for `code`: a v1 sidecar knows neither 4006 nor 4007,
 * so it gets the v1 code nearest in meaning (it reconnects with backoff after any of them; the
 * reason text names the real cause).
 */
export function closeCodeForVersion(code: number, version: ProtocolVersion): number {
  if (version !== 1) return code;
  if (code === CloseCode.forbidden) return CloseCode.keyNotLeased;
  if (code === CloseCode.overLimit) return CloseCode.rateLimited;
  return code;
}
