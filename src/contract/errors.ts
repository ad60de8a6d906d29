import { ScalerError } from "../lib/errors.js";

/** What is wrong with a frame; each maps to one close code (close-codes.ts). */
export type FrameProblem = "too_large" | "malformed" | "invalid" | "unsupported_version";

/**
 * A frame that cannot be accepted. The message names the field path and what was expected, e.g.
 * `frame.observation.key.topic: expected a string of at most 512 chars`. Never contains the frame.
 */
export class FrameError extends ScalerError {
  constructor(
    readonly problem: FrameProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
