import type { GrantHint } from "../src/contract/frames.js";
import type { Clock, TimerHandle } from "../src/lib/clock.js";
import { keyId, type WatchKey } from "../src/state/key.js";

/** Why the sidecar must stop watching a key. */
export type RevokeReason =
  /** The hub revoked it. */
  | "hub"
  /** The connection was lost and the key was not granted again within the lease timeout. */
  | "lapsed"
  /** The connection was closed by this sidecar. */
  | "closed";

interface Entry {
  readonly key: WatchKey;
  /** Granted in the current session; false while lapsing after a disconnect. */
  current: boolean;
  lapse: TimerHandle | undefined;
}

/**
 * The keys a sidecar watches. A grant starts watching; on a disconnect, held keys keep being
 * watched ("lapsing") for up to the lease timeout, so a quick reconnect and re-grant loses no
 * arrival and restarts nothing. A re-grant of a lapsing key is silent; a lapse is a revoke.
 * Reports may be sent only for keys granted in the current session (`current`).
 */
export class HeldKeys {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** A key to start watching, with the hint of its grant (the trigger's isPartitionedTopic). */
    private readonly onGrant: (key: WatchKey, hint: GrantHint) => void,
    private readonly onRevoke: (key: WatchKey, reason: RevokeReason) => void,
  ) {}

  /** Granted in the current session: reports for it may be sent. */
  current(key: WatchKey): boolean {
    return this.entries.get(keyId(key))?.current ?? false;
  }

  /** Every key being watched, current or lapsing. */
  watched(): WatchKey[] {
    return [...this.entries.values()].map((e) => e.key);
  }

  /** A re-grant (of a held or lapsing key) keeps the running watcher, whatever its hint. */
  grant(key: WatchKey, hint: GrantHint = {}): void {
    const id = keyId(key);
    const e = this.entries.get(id);
    if (e) {
      this.stopLapse(e);
      e.current = true;
      return;
    }
    this.entries.set(id, { key, current: true, lapse: undefined });
    this.onGrant(key, hint);
  }

  revoke(key: WatchKey, reason: RevokeReason = "hub"): void {
    const id = keyId(key);
    const e = this.entries.get(id);
    if (!e) return;
    this.stopLapse(e);
    this.entries.delete(id);
    this.onRevoke(e.key, reason);
  }

  /** The session ended: every current key lapses after `leaseTimeoutMs` unless granted again. */
  disconnected(leaseTimeoutMs: number): void {
    for (const e of this.entries.values()) {
      if (!e.current) continue;
      e.current = false;
      e.lapse = this.clock.setTimeout(() => {
        e.lapse = undefined;
        this.revoke(e.key, "lapsed");
      }, leaseTimeoutMs);
    }
  }

  /** Revokes everything (the connection is closed for good). */
  clear(reason: RevokeReason): void {
    for (const e of [...this.entries.values()]) this.revoke(e.key, reason);
  }

  private stopLapse(e: Entry): void {
    if (e.lapse !== undefined) this.clock.clearTimeout(e.lapse);
    e.lapse = undefined;
  }
}
