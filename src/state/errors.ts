import { ScalerError } from "../lib/errors.js";
import { keyId, type MetricKind, type WatchKey } from "./key.js";
import type { KeyState } from "./key-state.js";

/** No observation within the staleness bound (or none yet): KEDA gets UNAVAILABLE, never a 0. */
export class NoFreshDataError extends ScalerError {}

/** Which bound of the key table refused: `maxKeys` or `maxScaledObjects`. */
export type CapacityKind = "keys" | "scaled_objects";

/** The key table is full (keys or ScaledObjects): KEDA gets RESOURCE_EXHAUSTED. */
export class CapacityError extends ScalerError {
  constructor(
    message: string,
    readonly what: CapacityKind,
  ) {
    super(message);
  }
}

/** The NoFreshDataError for a key: says why (not watched, missing, failing, none yet, or how old) and the last error. */
export function noFreshData<H, A extends string>(
  key: WatchKey,
  state: KeyState<H, A> | undefined,
  now: number,
): NoFreshDataError {
  const id = keyId(key);
  if (!state) return new NoFreshDataError(`no data for ${id}: the key is not watched`);
  const err = state.lastError;
  const last = err
    ? `; last error ${now - err.at} ms ago: ${err.name}: ${err.message}`
    : "; no error recorded";
  return new NoFreshDataError(why(key, state, now) + last);
}

/** Why a metric an observation may lack is missing (a 2.10.0 broker adds the age's field). */
const LACKS: Readonly<Record<string, string>> = {
  msgBacklogBytes: "the broker reported no backlogSize for the subscription",
  backlogAgeSeconds:
    "the broker reported no earliestMsgPublishTimeInBacklog (getEarliestTimeInBacklog needs Pulsar 2.10.0 or later, apache/pulsar#12523), or has not read it yet",
};

/** The newest observation does not carry `metric`: KEDA gets UNAVAILABLE, never a made-up number. */
export function notObserved(key: WatchKey, metric: MetricKind): NoFreshDataError {
  return new NoFreshDataError(
    `no ${metric} for ${keyId(key)}: ${LACKS[metric] ?? "the stats did not carry it"}`,
  );
}

function why<H, A extends string>(key: WatchKey, state: KeyState<H, A>, now: number): string {
  const id = keyId(key);
  const age = state.observationAge(now);
  const missing = state.polls.missing;
  if (missing) {
    const what =
      missing.what === "subscription"
        ? `subscription ${key.subscription} of topic ${key.topic}`
        : missing.what === "topic"
          ? `topic ${key.topic}`
          : `the namespace of topic ${key.topic}`;
    return `no stats for ${id}: ${what} does not exist (deleted, or never created): Pulsar answered 404 ${now - missing.at} ms ago`;
  }
  const failing = state.polls.failingFor(now);
  if (age !== undefined && failing !== undefined && failing >= state.errorGraceMs) {
    return `no fresh stats for ${id}: every stats poll has failed for ${failing} ms (error grace ${state.errorGraceMs} ms); newest observation is ${age} ms old`;
  }
  if (age === undefined) return `no stats observed yet for ${id}`;
  return `no fresh stats for ${id}: newest observation is ${age} ms old (staleness bound ${state.stalenessMs} ms)`;
}

export function tooManyKeys(id: string, count: number, maxKeys: number): CapacityError {
  return new CapacityError(
    `cannot watch ${id}: ${count} keys are watched, the maximum is ${maxKeys} (maxKeys)`,
    "keys",
  );
}

export function tooManyScaledObjects(id: string, count: number, max: number): CapacityError {
  return new CapacityError(
    `cannot serve ScaledObject ${id}: ${count} ScaledObjects are known, the maximum is ${max} (maxScaledObjects)`,
    "scaled_objects",
  );
}
