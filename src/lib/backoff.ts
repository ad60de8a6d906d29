/** Exponential backoff with full jitter: delay for attempt n (0-based) is uniform in [base, min(max, base*2^n)]. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Random source in [0, 1); injected so tests are deterministic. */
  readonly random?: () => number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions): number {
  const random = opts.random ?? Math.random;
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(opts.baseMs + random() * Math.max(0, ceiling - opts.baseMs));
}
