import type { BinaryConnectionOptions } from "./connection-options.js";
import { BinaryConnection } from "./connection.js";

export type PoolOptions = Omit<BinaryConnectionOptions, "url" | "proxyToBroker">;

/**
 * Connections shared by every consumer and lookup of one ArrivalSource: one per (broker, proxy
 * target) pair, so 100 topics on one broker ride one TCP connection. A connection that closes
 * leaves the pool; the next `get` opens a new one. Concurrent `get`s share one opening.
 */
export class ConnectionPool {
  private readonly connections = new Map<string, Promise<BinaryConnection>>();
  private opened = 0;
  private live = 0;

  constructor(private readonly o: PoolOptions) {}

  get(url: string, proxyToBroker?: string): Promise<BinaryConnection> {
    const key = `${url} ${proxyToBroker ?? ""}`;
    const existing = this.connections.get(key);
    if (existing) return existing;
    const opening = BinaryConnection.open({
      ...this.o,
      url,
      ...(proxyToBroker === undefined ? {} : { proxyToBroker }),
    });
    this.connections.set(key, opening);
    opening.then(
      (c) => {
        this.opened++;
        this.live++;
        c.once("close", () => {
          this.live--;
          if (this.connections.get(key) === opening) this.connections.delete(key);
        });
      },
      () => {
        if (this.connections.get(key) === opening) this.connections.delete(key);
      },
    );
    return opening;
  }

  /** Connections open now, and opened since the start (reconnects included). */
  counters(): { readonly open: number; readonly opened: number } {
    return { open: this.live, opened: this.opened };
  }

  /** Closes every connection (their consumers hear `close`). */
  async close(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }
}
