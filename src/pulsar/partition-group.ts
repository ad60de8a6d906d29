import type { ArrivalSubscription } from "./ports.js";

/** The partition indexes a subscription watches: 0..n-1, or [-1] (the topic itself) when n is 0. */
export function partitionIndexes(partitions: number): number[] {
  return partitions > 0 ? [...Array(partitions).keys()] : [-1];
}

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
