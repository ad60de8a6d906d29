/*
 * Shutdown steps of every program (hub, sidecar, demo): each step runs even when an earlier one
 * failed, and each failure is logged once, by the step that had it, under its own name.
 */

/** Where a failed step is reported: a pino Logger fits, the demo passes its timeline. */
export interface StepLog {
  error(obj: { err: unknown }, msg: string): void;
}

/** One step: what it does (for the log line) and how. */
export type ShutdownStep = readonly [what: string, run: () => void | Promise<void>];

/** Runs one step; a failure is logged as "<what> failed" and swallowed. Resolves to success. */
export async function step(log: StepLog, what: string, run: () => void | Promise<void>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (err) {
    log.error({ err }, `${what} failed`);
    return false;
  }
}

/** Runs the steps one after the other, in the order given, each through `step`. */
export async function runSteps(log: StepLog, steps: readonly ShutdownStep[]): Promise<void> {
  for (const [what, run] of steps) await step(log, what, run);
}

/**
 * The close() of a part that stops in several steps. The steps are read when close() is first
 * called (so they may name things made later); later calls return the first call's promise.
 */
export function closeInSteps(log: StepLog, steps: () => readonly ShutdownStep[]): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= runSteps(log, steps()));
}
