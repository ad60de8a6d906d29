/**
 * Protocol version of the sidecar <-> hub channel. Every frame carries it as `v`.
 *
 * Rule: a frame's shape is fixed within a version (unknown fields are rejected), so any change to a
 * frame or a new frame type is a new version. The hub accepts every version in SUPPORTED_VERSIONS
 * and answers a session in the version of its hello; upgrade hubs before sidecars.
 */
export const PROTOCOL_VERSION = 1;

export type ProtocolVersion = typeof PROTOCOL_VERSION;

export const SUPPORTED_VERSIONS: readonly number[] = Object.freeze([PROTOCOL_VERSION]);
