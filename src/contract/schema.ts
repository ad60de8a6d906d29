import { keyId, type WatchKey } from "../state/key.js";
import type { Observation } from "../state/observation.js";
import { FrameError } from "./errors.js";
import type {
  ArrivalFrame,
  ErrorFrame,
  Frame,
  HeartbeatFrame,
  HelloFrame,
  HubFrame,
  GrantFrame,
  ObservationFrame,
  RevokeFrame,
  SidecarFrame,
  WelcomeFrame,
} from "./frames.js";
import { LIMITS } from "./limits.js";
import { arr, fail, finite, int, isPlainObject, literal, obj, str, type Validator } from "./validate.js";
import { PROTOCOL_VERSION, SUPPORTED_VERSIONS } from "./version.js";

/**
 * The schema of every frame, written against the types of frames.ts (a field missing here, or of
 * another type, does not compile). `validateFrame` checks version, then type, then every field.
 */

const v = literal(PROTOCOL_VERSION);
const epochMs = int(0, LIMITS.maxEpochMs);
const count = int(0, Number.MAX_SAFE_INTEGER);
const interval = int(LIMITS.minIntervalMs, LIMITS.maxIntervalMs);

export const watchKey: Validator<WatchKey> = obj<WatchKey>({
  cluster: str({ maxChars: LIMITS.clusterChars }),
  topic: str({ maxChars: LIMITS.topicChars }),
  subscription: str({ maxChars: LIMITS.subscriptionChars }),
});

/** Up to LIMITS.maxKeys keys, none twice. */
const keyList: Validator<WatchKey[]> = (value, path) => {
  const keys = arr(watchKey, LIMITS.maxKeys)(value, path);
  const seen = new Set<string>();
  keys.forEach((k, i) => {
    const id = keyId(k);
    if (seen.has(id)) throw new FrameError("invalid", `${path}[${i}]: duplicate key`);
    seen.add(id);
  });
  return keys;
};

export const observation: Validator<Observation> = obj<Observation>({
  msgBacklog: count,
  msgBacklogNoDelayed: count,
  unackedMessages: count,
  msgRateIn: finite(0),
  msgRateOut: finite(0),
  consumers: count,
  partitions: int(0, LIMITS.maxPartition + 1),
  observedAt: epochMs,
});

const hello = obj<HelloFrame>({
  v,
  type: literal("hello"),
  pod: str({ maxChars: LIMITS.podChars }),
  namespace: str({ maxChars: LIMITS.namespaceChars }),
  keys: keyList,
  sidecarVersion: str({ maxChars: LIMITS.versionChars }),
});

const observationFrame = obj<ObservationFrame>({
  v,
  type: literal("observation"),
  key: watchKey,
  observation,
});

const arrival = obj<ArrivalFrame>({
  v,
  type: literal("arrival"),
  key: watchKey,
  partition: int(-1, LIMITS.maxPartition),
  publishTime: epochMs,
  receivedAt: epochMs,
});

const error = obj<ErrorFrame>({
  v,
  type: literal("error"),
  key: watchKey,
  errorClass: str({ maxChars: LIMITS.errorClassChars }),
  message: str({ maxBytes: LIMITS.errorMessageBytes, minChars: 0, freeText: true }),
});

const heartbeat = obj<HeartbeatFrame>({ v, type: literal("heartbeat"), sentAt: epochMs });

const welcome = obj<WelcomeFrame>({
  v,
  type: literal("welcome"),
  sessionId: str({ maxChars: LIMITS.sessionIdChars }),
  heartbeatIntervalMs: interval,
  leaseTimeoutMs: interval,
});

const grant = obj<GrantFrame>({ v, type: literal("grant"), key: watchKey });
const revoke = obj<RevokeFrame>({ v, type: literal("revoke"), key: watchKey });

/** Which frames each direction may carry. */
export type Direction = "toHub" | "toSidecar" | "any";

const TO_HUB: Readonly<Record<SidecarFrame["type"], Validator<SidecarFrame>>> = {
  hello,
  observation: observationFrame,
  arrival,
  error,
  heartbeat,
};
const TO_SIDECAR: Readonly<Record<HubFrame["type"], Validator<HubFrame>>> = {
  welcome,
  grant,
  revoke,
  heartbeat,
};
const ANY: Readonly<Record<Frame["type"], Validator<Frame>>> = { ...TO_HUB, ...TO_SIDECAR };
const TABLES: Readonly<Record<Direction, Readonly<Record<string, Validator<Frame>>>>> = {
  toHub: TO_HUB,
  toSidecar: TO_SIDECAR,
  any: ANY,
};

export function validateFrame(value: unknown, direction: "toHub"): SidecarFrame;
export function validateFrame(value: unknown, direction: "toSidecar"): HubFrame;
export function validateFrame(value: unknown, direction?: Direction): Frame;
/** A fresh, typed copy of `value` if it is a valid frame of this direction; else FrameError. */
export function validateFrame(value: unknown, direction: Direction = "any"): Frame {
  if (!isPlainObject(value)) return fail("frame", "an object", value);
  const version = value["v"];
  if (typeof version !== "number" || !Number.isSafeInteger(version)) {
    return fail("frame.v", "an integer protocol version", version);
  }
  if (!SUPPORTED_VERSIONS.includes(version)) {
    throw new FrameError(
      "unsupported_version",
      `frame.v: unsupported protocol version ${version} (supported: ${SUPPORTED_VERSIONS.join(", ")})`,
    );
  }
  const table = TABLES[direction];
  const type = value["type"];
  const names = Object.keys(table).join(", ");
  if (typeof type !== "string") return fail("frame.type", `one of ${names}`, type);
  const validator = Object.prototype.hasOwnProperty.call(table, type) ? table[type] : undefined;
  if (!validator) {
    const shown = type.length > 20 ? `${type.slice(0, 20)}...` : type;
    throw new FrameError("invalid", `frame.type: expected one of ${names}, got ${JSON.stringify(shown)}`);
  }
  return validator(value, `frame.${type}`);
}
