import type { TimerHandle } from "../../lib/clock.js";
import type { BinaryConnectionOptions } from "./connection-options.js";
import { BinaryConnection } from "./connection.js";

export interface PoolOptions extends Omit<BinaryConnectionOptions, "url" | "proxyToBroker"> {
  /**
   * A connection idle this long (no consumer, no pending request, no `get`) is closed, e.g. the old
   * broker's after every topic moved away. Checked by a sweep every `idleCloseMs`, so an idle
   * connection closes between one and two periods after it went idle. Default 60000.
   */
  readonly idleCloseMs?: number;
}

interface Pooled {
  readonly opening: Promise<BinaryConnection>;
  /** The connection once open. */
  conn?: BinaryConnection;
  /** Idle at the last sweep with no `get` since: closed if still idle at the next one. */
  idleMarked: boolean;
}

/**
 * Connections shared by every consumer and lookup of one ArrivalSource: one per (broker, proxy
 * target) pair, so 100 topics on one broker ride one TCP connection. A connection that closes
 * leaves the pool; the next `get` opens a new one. Concurrent `get`s share one opening. A
 * connection nothing uses any more is closed by the idle sweep (a timer on the injected clock,
 * running only while the pool holds connections).
 */
export class ConnectionPool {
  private readonly connections = new Map<string, Pooled>();
  private opened = 0;
  private live = 0;
  private idleClosed = 0;
  private sweepTimer: TimerHandle | undefined;
  private readonly idleCloseMs: number;

  constructor(private readonly o: PoolOptions) {
    this.idleCloseMs = o.idleCloseMs ?? 60_000;
  }

  get(url: string, proxyToBroker?: string): Promise<BinaryConnection> {
    const key = `${url} ${proxyToBroker ?? ""}`;
    const existing = this.connections.get(key);
    if (existing) {
      existing.idleMarked = false;
      return existing.opening;
    }
    const { idleCloseMs: _idle, ...connOptions } = this.o;
    const opening = BinaryConnection.open({
      ...connOptions,
      url,
      ...(proxyToBroker === undefined ? {} : { proxyToBroker }),
    });
    const entry: Pooled = { opening, idleMarked: false };
    this.connections.set(key, entry);
    opening.then(
      (c) => {
        this.opened++;
        this.live++;
        entry.conn = c;
        c.once("close", () => {
          this.live--;
          if (this.connections.get(key) === entry) this.connections.delete(key);
        });
      },
      () => {
        if (this.connections.get(key) === entry) this.connections.delete(key);
      },
    );
    this.scheduleSweep();
    return opening;
  }

  /** Connections open now, opened since the start (reconnects included), and closed as idle. */
  counters(): { readonly open: number; readonly opened: number; readonly idleClosed: number } {
    return { open: this.live, opened: this.opened, idleClosed: this.idleClosed };
  }

  /** Closes every connection (their consumers hear `close`). */
  async close(): Promise<void> {
    if (this.sweepTimer !== undefined) this.o.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((e) => e.opening.then((c) => c.close()).catch(() => undefined)));
  }

  private scheduleSweep(): void {
    if (this.sweepTimer !== undefined) return;
    this.sweepTimer = this.o.clock.setTimeout(() => {
      this.sweepTimer = undefined;
      this.sweep();
    }, this.idleCloseMs);
  }

  /** Closes the connections idle at two sweeps in a row; marks the ones idle now. */
  private sweep(): void {
    for (const [key, e] of this.connections) {
      const c = e.conn;
      if (c === undefined || !c.idle) {
        e.idleMarked = false;
      } else if (e.idleMarked) {
        this.connections.delete(key);
        this.idleClosed++;
        this.o.logger?.debug({ url: key.trim() }, "closing an idle binary connection");
        c.close();
      } else {
        e.idleMarked = true;
      }
    }
    if (this.connections.size > 0) this.scheduleSweep();
  }
}
