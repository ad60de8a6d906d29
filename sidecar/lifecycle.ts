import type { Logger } from "../src/lib/logger.js";

/** Runs one shutdown step; a failure is logged and the next step still runs. */
export async function step(log: Logger, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.error({ err }, `${what} failed`);
  }
}
