import { ScalerError } from "../lib/errors.js";
import { keyId, type WatchKey } from "../state/key.js";

/** `SidecarSession.grant` for a key the sidecar did not announce: a bug of the caller. */
export class KeyNotAnnouncedError extends ScalerError {}

/** What the gateway does with a report for a key. */
export type ReportVerdict =
  | "accept"
  | "not_announced"
  | "not_leased"
  /** Revoked within the grace period: the sidecar had not seen the revoke yet; drop it. */
  | "late";

/**
 * The keys of one session: announced in hello, granted by the hub, recently revoked. A sidecar may
 * report only keys it announced and holds; a report racing a revoke is dropped, not fatal.
 */
export class SessionKeys {
  private readonly announcedIds: ReadonlySet<string>;
  private readonly held = new Set<string>();
  /** keyId -> when it was revoked. */
  private readonly revokedAt = new Map<string, number>();

  constructor(keys: readonly WatchKey[]) {
    this.announcedIds = new Set(keys.map(keyId));
  }

  announced(key: WatchKey): boolean {
    return this.announcedIds.has(keyId(key));
  }

  holds(key: WatchKey): boolean {
    return this.held.has(keyId(key));
  }

  /** True when the key was not held before (a grant frame must be sent). */
  grant(key: WatchKey, sessionId: string): boolean {
    const id = keyId(key);
    if (!this.announcedIds.has(id))
      throw new KeyNotAnnouncedError(`session ${sessionId} did not announce ${id}`);
    if (this.held.has(id)) return false;
    this.held.add(id);
    this.revokedAt.delete(id);
    return true;
  }

  /** True when the key was held (a revoke frame must be sent). */
  revoke(key: WatchKey, now: number): boolean {
    const id = keyId(key);
    if (!this.held.delete(id)) return false;
    this.revokedAt.set(id, now);
    return true;
  }

  verdict(key: WatchKey, now: number, graceMs: number): ReportVerdict {
    const id = keyId(key);
    if (!this.announcedIds.has(id)) return "not_announced";
    if (this.held.has(id)) return "accept";
    const revoked = this.revokedAt.get(id);
    return revoked !== undefined && now - revoked <= graceMs ? "late" : "not_leased";
  }
}
