import type { Logger } from "../src/lib/logger.js";

/** Resolves on the first SIGTERM or SIGINT; the listeners are removed afterwards. */
export function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals) => {
      process.off("SIGTERM", on);
      process.off("SIGINT", on);
      resolve(sig);
    };
    process.on("SIGTERM", on);
    process.on("SIGINT", on);
  });
}

/** Runs one shutdown step; a failure is logged and the next step still runs. */
export async function step(log: Logger, what: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    log.error({ err }, `${what} failed`);
  }
}
