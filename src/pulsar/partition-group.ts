import type { ArrivalSubscription } from "./ports.js";

/** One partition's arrival watcher (a binary tripwire or a WebSocket reader). */
export interface PartitionWatcher {
  start(): void;
  rearm(): void;
  close(): Promise<void>;
}

/**
 * Starts the watchers of one subscription (one per partition) and returns the subscription over
 * them: `rearm` re-arms each, `close` closes each once and removes it from `open`, the set the
 * source closes at shutdown. Shared by both ArrivalSources.
 */
export function startPartitions<W extends PartitionWatcher>(
  watchers: readonly W[],
  open: Set<W>,
): ArrivalSubscription {
  for (const w of watchers) {
    open.add(w);
    w.start();
  }
  let closing: Promise<void> | undefined;
  return {
    rearm: () => {
      for (const w of watchers) w.rearm();
    },
    close: () => {
      closing ??= Promise.all(
        watchers.map(async (w) => {
          await w.close();
          open.delete(w);
        }),
      ).then(() => undefined);
      return closing;
    },
  };
}
