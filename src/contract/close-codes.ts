import type { FrameProblem } from "./errors.js";

/**
 * WebSocket close codes of the channel. 1000/1001/1009 are standard; 4000-4999 are ours. A sidecar
 * reconnects after any of them (with backoff); only the reason text tells people what went wrong.
 */
export const CloseCode = Object.freeze({
  /** Normal close (the sidecar leaves). */
  normal: 1000,
  /** The hub shuts down. */
  goingAway: 1001,
  /** A frame over the size limit (sent by ws itself when `maxPayload` is exceeded). */
  tooLarge: 1009,
  /** No hello within the deadline, a frame before hello, or a second hello. */
  helloRequired: 4001,
  /** Not JSON, not a valid frame, a binary frame, or a frame of the other direction. */
  invalidFrame: 4002,
  /** A report for a key the session did not announce, or does not hold a grant for. */
  keyNotLeased: 4003,
  /** A protocol version this end does not speak. */
  unsupportedVersion: 4004,
  /** The peer does not read: too many bytes wait to be sent to it. */
  slowConsumer: 4005,
  /**
   * Not allowed: the token is not the one of the namespace the hello names, or the hello announces
   * a key of a cluster the hub does not know. v2 and later (a v1 session gets keyNotLeased).
   */
  forbidden: 4006,
  /**
   * Over a gateway memory limit: too many keys in the hello, a hello holding too many bytes, or
   * the gateway's total over its bound. v2 and later (a v1 session gets rateLimited).
   */
  overLimit: 4007,
  /** More frames than the rate limit allows. */
  rateLimited: 4008,
  /** No frame within the lease timeout (the socket is terminated; seen locally only). */
  leaseTimeout: 4009,
});

export type CloseCodeName = keyof typeof CloseCode;

/** The close code for a FrameError's problem. */
export function closeCodeFor(problem: FrameProblem): number {
  switch (problem) {
    case "too_large":
      return CloseCode.tooLarge;
    case "unsupported_version":
      return CloseCode.unsupportedVersion;
    case "malformed":
    case "invalid":
      return CloseCode.invalidFrame;
  }
}
