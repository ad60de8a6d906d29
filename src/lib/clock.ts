/** Time as a collaborator: production code receives a Clock, tests pass a fake one. */
export interface TimerHandle {
  /** Opaque; pass back to clearTimeout. */
  readonly id: unknown;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle => {
    const t = setTimeout(fn, ms);
    t.unref();
    return { id: t };
  },
  clearTimeout: (handle: TimerHandle): void => {
    clearTimeout(handle.id as NodeJS.Timeout);
  },
});
