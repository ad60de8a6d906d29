import { FrameError } from "./errors.js";
import type { Frame, HubFrame, SidecarFrame } from "./frames.js";
import { LIMITS } from "./limits.js";
import { validateFrame, type Direction } from "./schema.js";

/**
 * JSON text <-> frames. Decoding checks the size before JSON.parse, then the version, then every
 * field, and throws only FrameError. Encoding validates too: a frame that the other end would
 * reject is a bug of this end, and fails here, where it is made.
 */

/** The JSON text of a valid frame. Throws FrameError for an invalid or oversized one. */
export function encodeFrame(frame: Frame, maxBytes: number = LIMITS.maxFrameBytes): string {
  const text = JSON.stringify(validateFrame(frame, "any"));
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxBytes) {
    throw new FrameError("too_large", `frame: ${bytes} bytes, over the limit of ${maxBytes}`);
  }
  return text;
}

/** The frame in `text`, or FrameError saying what is wrong with it. */
export function decodeFrame(text: string | Buffer, maxBytes: number = LIMITS.maxFrameBytes): Frame {
  return decode(text, maxBytes, "any");
}

/** A frame a sidecar sends (hub side). */
export function decodeSidecarFrame(
  text: string | Buffer,
  maxBytes: number = LIMITS.maxFrameBytes,
): SidecarFrame {
  return decode(text, maxBytes, "toHub") as SidecarFrame;
}

/** A frame a hub sends (sidecar side). */
export function decodeHubFrame(text: string | Buffer, maxBytes: number = LIMITS.maxFrameBytes): HubFrame {
  return decode(text, maxBytes, "toSidecar") as HubFrame;
}

function decode(text: string | Buffer, maxBytes: number, direction: Direction): Frame {
  // A string's UTF-8 size is at least its length: skip counting bytes of a hopelessly long one.
  const bytes =
    typeof text === "string"
      ? text.length > maxBytes
        ? text.length
        : Buffer.byteLength(text, "utf8")
      : text.byteLength;
  if (bytes > maxBytes) {
    throw new FrameError("too_large", `frame: ${bytes} bytes or more, over the limit of ${maxBytes}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof text === "string" ? text : text.toString("utf8"));
  } catch (err) {
    throw new FrameError("malformed", "frame: not valid JSON", { cause: err });
  }
  return validateFrame(value, direction);
}
