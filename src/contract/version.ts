/**
 * Protocol version of the sidecar <-> hub channel. Every frame carries it as `v`.
 *
 * Rule: a frame's shape is fixed within a version (unknown fields are rejected), so any change to a
 * frame or a new frame type is a new version. The hub accepts every version in SUPPORTED_VERSIONS
 * and answers a session in the version of its hello; upgrade hubs before sidecars.
 *
 * - 1: the first version; `arrival` carries `partition` and `publishTime`.
 * - 2: `arrival` carries only `receivedAt` (nothing read the other two); `grant` may carry
 *   `partitioned`, the trigger's isPartitionedTopic. A v2 end still reads v1 frames (a v1 arrival's
 *   extra fields are dropped) and the hub sends a v1 session v1 frames (a grant without the hint),
 *   so v1 sidecars keep working while they are rolled.
 */
export const PROTOCOL_VERSION = 2;

export const SUPPORTED_VERSIONS = Object.freeze([1, PROTOCOL_VERSION] as const);

/** A version this build reads: frames of either carry it as `v`. */
export type ProtocolVersion = (typeof SUPPORTED_VERSIONS)[number];
