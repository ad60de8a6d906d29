/** The sidecar <-> hub wire contract, imported by both ends. No logging; the only I/O is reading a token file (bearer.ts). */
export { PROTOCOL_VERSION, SUPPORTED_VERSIONS, type ProtocolVersion } from "./version.js";
export { LIMITS, MAX_CLOSE_REASON_BYTES, truncateUtf8 } from "./limits.js";
export { FrameError, type FrameProblem } from "./errors.js";
export { CloseCode, closeCodeFor, type CloseCodeName } from "./close-codes.js";
export type * from "./frames.js";
export { SIDECAR_FRAME_TYPES, HUB_FRAME_TYPES } from "./frames.js";
export { validateFrame, watchKey, observation, type Direction } from "./schema.js";
export { encodeFrame, decodeFrame, decodeSidecarFrame, decodeHubFrame } from "./codec.js";
export { bearerHeader, bearerMatches, tokenFromFile } from "./bearer.js";
export { SIDECAR_PATH, refuseUpgrade, upgradeAuthorized } from "./upgrade.js";
export { hubFrameFor } from "./compat.js";
