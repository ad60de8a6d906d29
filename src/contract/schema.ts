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
import {
  arr,
  bool,
  fail,
  finite,
  int,
  isPlainObject,
  literal,
  obj,
  optional,
  str,
  type Validator,
} from "./validate.js";
import { SUPPORTED_VERSIONS, type ProtocolVersion } from "./version.js";

/**
 * The schema of every frame, written against the types of frames.ts (a field missing here, or of
 * another type, does not compile). `validateFrame` checks version, then type, then every field, with
 * the schema of the frame's own version.
 */

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
  msgBacklogBytes: optional(count),
  backlogAgeSeconds: optional(finite(0)),
  observedAt: epochMs,
});

/** Which frames each direction may carry. */
export type Direction = "toHub" | "toSidecar" | "any";

type Table = Readonly<Record<string, Validator<Frame>>>;

/** The v1 arrival: with partition and publishTime, which v2 dropped. */
interface ArrivalFrameV1 extends ArrivalFrame {
  readonly partition: number;
  readonly publishTime: number;
}

/**
 * The validators of every frame of one version, by direction. Versions differ only in `arrival`
 * (v1 has two more fields, dropped from the copy) and `grant` (v1 has no hint).
 */
function tables(version: ProtocolVersion): Readonly<Record<Direction, Table>> {
  const v = literal(version);
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
  const arrivalV1 = obj<ArrivalFrameV1>({
    v,
    type: literal("arrival"),
    key: watchKey,
    partition: int(-1, LIMITS.maxPartition),
    publishTime: epochMs,
    receivedAt: epochMs,
  });
  const arrival: Validator<ArrivalFrame> =
    version === 1
      ? (value, path) => {
          const a = arrivalV1(value, path);
          return { v: a.v, type: a.type, key: a.key, receivedAt: a.receivedAt };
        }
      : obj<ArrivalFrame>({ v, type: literal("arrival"), key: watchKey, receivedAt: epochMs });
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
  const grant: Validator<GrantFrame> =
    version === 1
      ? obj<Omit<GrantFrame, "partitioned">>({ v, type: literal("grant"), key: watchKey })
      : obj<GrantFrame>({ v, type: literal("grant"), key: watchKey, partitioned: optional(bool()) });
  const revoke = obj<RevokeFrame>({ v, type: literal("revoke"), key: watchKey });

  const toHub: Readonly<Record<SidecarFrame["type"], Validator<SidecarFrame>>> = {
    hello,
    observation: observationFrame,
    arrival,
    error,
    heartbeat,
  };
  const toSidecar: Readonly<Record<HubFrame["type"], Validator<HubFrame>>> = {
    welcome,
    grant,
    revoke,
    heartbeat,
  };
  return { toHub, toSidecar, any: { ...toHub, ...toSidecar } };
}

const BY_VERSION: ReadonlyMap<number, Readonly<Record<Direction, Table>>> = new Map(
  SUPPORTED_VERSIONS.map((version) => [version, tables(version)]),
);

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
  const table = BY_VERSION.get(version)?.[direction];
  if (!table) {
    throw new FrameError(
      "unsupported_version",
      `frame.v: unsupported protocol version ${version} (supported: ${SUPPORTED_VERSIONS.join(", ")})`,
    );
  }
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
