// How a key's stats polls have gone since the last good one: the freshness model's memory of
// failures (docs/watch-engine.md, Freshness). Pure; times are epoch ms on the hub's clock.

/** What Pulsar answered 404 for: it does not exist (deleted, or never created). */
export type Missing = "topic" | "subscription" | "namespace";

/**
 * Why a poll failed, as the engine classifies the error (`src/watch/poll-failure.ts`):
 * - `failed`: Pulsar did not answer usefully (refused, timed out, 5xx, a bad or partial document);
 * - `throttled`: a 429, whose Retry-After is honoured: the broker is up and said when to come back,
 *   so it does not start the error grace (the staleness bound still holds);
 * - a Missing thing: a 404 for the topic, the subscription or the namespace.
 */
export type PollFailure = "failed" | "throttled" | Missing;

export function isMissing(f: PollFailure): f is Missing {
  return f === "topic" || f === "subscription" || f === "namespace";
}

/**
 * The failures of a key's polls since its last good one. A good poll (any observation, even one
 * older than the newest kept) forgets them at once: service is restored by one answer.
 */
export class PollHealth {
  /** When the first failed poll since the last good one was reported; undefined while none failed. */
  private firstFailureAt: number | undefined;
  /** The newest 404 since the last good poll: what is missing, and when Pulsar said so. */
  private missingSince: { readonly what: Missing; readonly at: number } | undefined;

  /** A poll answered: every failure is forgotten. */
  succeeded(): void {
    this.firstFailureAt = undefined;
    this.missingSince = undefined;
  }

  /** A poll failed at `at` for `why`. */
  failed(why: PollFailure, at: number): void {
    if (why === "throttled") return;
    this.firstFailureAt ??= at;
    if (isMissing(why)) this.missingSince = { what: why, at };
  }

  /** How long every poll has failed at `now` (0 at the first failure), or undefined while none did. */
  failingFor(now: number): number | undefined {
    return this.firstFailureAt === undefined ? undefined : now - this.firstFailureAt;
  }

  /** What Pulsar said is missing since the last good poll, if anything. */
  get missing(): { readonly what: Missing; readonly at: number } | undefined {
    return this.missingSince;
  }

  /** True when reads must fail at `now` whatever the observation's age: a 404, or failing past `graceMs`. */
  blocks(now: number, graceMs: number): boolean {
    const failing = this.failingFor(now);
    return this.missingSince !== undefined || (failing !== undefined && failing >= graceMs);
  }
}
