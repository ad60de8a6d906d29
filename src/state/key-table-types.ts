// The key table's options and defaults, and what it hands out besides reports (key-table.ts).

export interface KeyTableOptions {
  /** A key nobody asked about (and no open stream keeps) for this long is dropped. Default 10 min. */
  readonly keyIdleTtlMs?: number;
  /** At most this many keys watched at once. Default 1000. */
  readonly maxKeys?: number;
  /** At most this many ScaledObjects known at once. Default 5000. */
  readonly maxScaledObjects?: number;
  /** An observation older than this (ms) is not served. Default 90 s. */
  readonly stalenessMs?: number;
  /**
   * Once every stats poll of a key has failed for this long (ms), reads fail even if the newest
   * observation is within the staleness bound; a good poll restores them. Default 15 s.
   */
  readonly errorGraceMs?: number;
  /** How long the first read of a new key waits for its first observation (ms). Default 2 s. */
  readonly firstReadWaitMs?: number;
  /**
   * A key that never was healthy (no observation, no open stream) not asked about for this long is
   * dropped by the sweep; and when the table is full, such a key, or a ScaledObject all of whose
   * keys never were, gives its place to a newcomer (ms). Default 60 s.
   */
  readonly neverHealthyTtlMs?: number;
}

export const KEY_TABLE_DEFAULTS = Object.freeze({
  keyIdleTtlMs: 600_000,
  maxKeys: 1000,
  maxScaledObjects: 5000,
  /** 3 x the watcher's slow (idle) poll interval of 30 s. */
  stalenessMs: 90_000,
  /**
   * Pulsar killed -> UNAVAILABLE within 20 s: the reader's loss pulls the next poll in to 5 s
   * (noArrivalsPollMs), and 15 s later every poll has failed for the grace. A 5 s broker restart
   * is bridged: the backoff's retries (1, 2, 4 s with jitter) reach it well within 15 s.
   */
  errorGraceMs: 15_000,
  /** Under KEDA's 3 s budget for a call. */
  firstReadWaitMs: 2_000,
  /**
   * 30 first-read waits: a key that has had no observation in this long is not about to get one
   * (a missing topic or subscription, a name made up by a caller), and a KEDA that still uses it
   * asks again within its 30 s polling interval, so its slot is only given up when it went quiet.
   */
  neverHealthyTtlMs: 60_000,
});

/** A fresh reading of a key under a rule. */
export interface Reading {
  readonly value: number;
  readonly active: boolean;
  readonly observedAt: number;
}

/** A reader that must wait for a key's first observation: its token and when the wait ends. */
export interface FirstReadWait {
  readonly reader: number;
  readonly deadline: number;
}
