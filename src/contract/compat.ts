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
