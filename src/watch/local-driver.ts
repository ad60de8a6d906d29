import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { ArrivalSource, StatsReader } from "../pulsar/ports.js";
import { keyId, type WatchKey } from "../state/key.js";
import type { WatchDriver, WatchHint } from "./driver.js";
import { HintCheckedStats } from "./hint-checked-stats.js";
import type { WatchSink } from "./sink.js";
import type { WatchTimings } from "./timings.js";
import { Watcher, type WatcherStatus } from "./watcher.js";

/** Pulsar access of one configured cluster. */
export interface ClusterPorts {
  readonly stats: StatsReader;
  readonly arrivals: ArrivalSource;
}

export interface LocalWatchDriverDeps {
  /** Ports of a cluster by name; throw (e.g. an unknown cluster) and the key records the error. */
  readonly cluster: (name: string) => ClusterPorts;
  readonly clock: Clock;
  readonly sink: WatchSink;
  readonly timings?: WatchTimings;
  readonly random?: () => number;
  readonly onSinkError?: (err: unknown) => void;
  /** The watchers' logger (a broker's Retry-After is logged at warn). */
  readonly logger?: Logger;
}

/** Runs a Watcher per key in this process, feeding the sink (the engine's `ingest`). */
export class LocalWatchDriver implements WatchDriver {
  private readonly watchers = new Map<string, Watcher>();

  constructor(private readonly deps: LocalWatchDriverDeps) {}

  start(key: WatchKey, hint: WatchHint): void {
    const id = keyId(key);
    if (this.watchers.has(id)) return;
    let watcher: Watcher;
    try {
      const ports = this.deps.cluster(key.cluster);
      watcher = new Watcher(
        { key, topic: hint.topic, partitioned: hint.partitioned },
        {
          stats: new HintCheckedStats(ports.stats),
          arrivals: ports.arrivals,
          clock: this.deps.clock,
          sink: this.deps.sink,
          timings: this.deps.timings,
          random: this.deps.random,
          onSinkError: this.deps.onSinkError,
          logger: this.deps.logger,
        },
      );
    } catch (err) {
      this.deps.sink.error(key, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.watchers.set(id, watcher);
    watcher.start();
  }

  stop(key: WatchKey): void {
    const id = keyId(key);
    const w = this.watchers.get(id);
    if (!w) return;
    this.watchers.delete(id);
    void w.stop();
  }

  refresh(key: WatchKey): void {
    this.watchers.get(keyId(key))?.pollSoon();
  }

  async close(): Promise<void> {
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((w) => w.stop()));
  }

  /** Watcher state per key id (introspection). */
  statuses(): Map<string, WatcherStatus> {
    return new Map([...this.watchers].map(([id, w]) => [id, w.status()]));
  }
}
