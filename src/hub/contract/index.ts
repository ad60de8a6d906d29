/** The sidecar <-> hub wire contract, imported by both ends. No I/O, no logging. */
export { PROTOCOL_VERSION, SUPPORTED_VERSIONS, type ProtocolVersion } from "./version.js";
export { LIMITS, MAX_CLOSE_REASON_BYTES, truncateUtf8 } from "./limits.js";
export { FrameError, type FrameProblem } from "./errors.js";
export { CloseCode, closeCodeFor, type CloseCodeName } from "./close-codes.js";
export type * from "./frames.js";
export { SIDECAR_FRAME_TYPES, HUB_FRAME_TYPES } from "./frames.js";
export { validateFrame, watchKey, observation, type Direction } from "./schema.js";
export { encodeFrame, decodeFrame, decodeSidecarFrame, decodeHubFrame } from "./codec.js";
