import type { LogRecord } from "../lib/child-process.js";

/** Log messages of the sidecar's hub mode (sidecar/hub-mode.ts) that carry lease changes. */
export const GRANTED_MSG = "granted: watching";
export const REVOKED_MSG = "revoked: stopped watching";

export const HUB = "hub";

export interface LeaseChange {
  readonly key: string;
  readonly holder: string;
  readonly previous: string;
}

/**
 * Who watches each key, as seen in the sidecars' logs: a key starts with the hub; a sidecar's
 * "granted" makes it the holder; its "revoked" (or its death) gives the key back to the hub unless
 * another sidecar was granted it meanwhile. A hand-over between sidecars logs the new grant before
 * the old revoke, so it shows as one change. Pure: fed log records and exits, returns changes.
 */
export class LeaseTracker {
  private readonly holders = new Map<string, string>();
  /** Keys whose holder died or was revoked, and who held them: the hub has them unless re-granted. */
  private readonly orphans = new Map<string, string>();

  /** A log record of sidecar `name`. */
  onLog(name: string, rec: LogRecord): LeaseChange | undefined {
    const key = typeof rec["key"] === "string" ? rec["key"] : undefined;
    if (key === undefined) return undefined;
    if (rec["msg"] === GRANTED_MSG) return this.set(key, name);
    if (rec["msg"] === REVOKED_MSG && this.holders.get(key) === name) {
      this.holders.delete(key);
      this.orphans.set(key, name);
    }
    return undefined;
  }

  /** Sidecar `name` exited: the keys it held wait for a new grant. */
  onExit(name: string): void {
    for (const [key, holder] of [...this.holders]) {
      if (holder !== name) continue;
      this.holders.delete(key);
      this.orphans.set(key, name);
    }
  }

  /** Keys still without a sidecar some time after losing theirs: the hub watches them. */
  settleOrphans(): LeaseChange[] {
    const out = [...this.orphans.keys()].map((key) => this.set(key, HUB));
    return out.filter((c): c is LeaseChange => c !== undefined);
  }

  holder(key: string): string {
    return this.holders.get(key) ?? HUB;
  }

  /** Some key held by a sidecar, and that sidecar (for the failover demo). */
  anySidecarHolder(): string | undefined {
    return [...this.holders.values()][0];
  }

  private set(key: string, holder: string): LeaseChange | undefined {
    const previous = this.holders.get(key) ?? this.orphans.get(key) ?? HUB;
    this.orphans.delete(key);
    if (holder === HUB) this.holders.delete(key);
    else this.holders.set(key, holder);
    return previous === holder ? undefined : { key, holder, previous };
  }
}
