/** Size limits of the wire contract. Both ends enforce them; docs/sidecar-protocol.md lists them. */
export const LIMITS = Object.freeze({
  /** Largest frame, in UTF-8 bytes, checked before JSON.parse (and the ws `maxPayload`). */
  maxFrameBytes: 64 * 1024,
  /** Keys one sidecar may announce in its hello. */
  maxKeys: 256,
  clusterChars: 128,
  topicChars: 512,
  subscriptionChars: 256,
  /** Kubernetes names: pod (DNS subdomain) and namespace (DNS label). */
  podChars: 253,
  namespaceChars: 63,
  versionChars: 64,
  sessionIdChars: 64,
  errorClassChars: 64,
  /** Error message of an `error` frame, in UTF-8 bytes. */
  errorMessageBytes: 1024,
  /** Largest partition index (a v1 arrival; an observation has at most this + 1 partitions). */
  maxPartition: 65_535,
  /** Largest epoch-ms timestamp accepted (year 2286); anything bigger is a unit mistake. */
  maxEpochMs: 10_000_000_000_000,
  /** heartbeatIntervalMs and leaseTimeoutMs a hub may announce in its welcome. */
  minIntervalMs: 10,
  maxIntervalMs: 600_000,
});

/** A WebSocket close reason may hold at most 123 UTF-8 bytes. */
export const MAX_CLOSE_REASON_BYTES = 123;

/** `text` cut to at most `maxBytes` UTF-8 bytes, never in the middle of a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, "utf8") <= maxBytes) return text;
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, "utf8");
    if (bytes + n > maxBytes) break;
    out += ch;
    bytes += n;
  }
  return out;
}
