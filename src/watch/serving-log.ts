import type { Logger } from "../lib/logger.js";
import { keyId, type WatchKey } from "../state/key.js";

/**
 * Logs each key's serving state once per change: at warn when its reads start failing (naming the
 * key, the cause and what KEDA is told), at info when they serve again. The cause's text changes
 * every time (ages in ms), so a change is a change of its kind: its text up to the first colon
 * after the key ("no fresh stats for <key>: every stats poll has failed" vs "... is stale").
 */
export class ServingLog {
  /** The kind of problem of each failing key, by key id. */
  private readonly failing = new Map<string, string>();

  constructor(private readonly logger: Logger | undefined) {}

  /** Compares `keys` at one instant against what was logged; `problem` says why reads fail. */
  check(keys: readonly WatchKey[], problem: (key: WatchKey) => Error | undefined): void {
    const seen = new Set<string>();
    for (const key of keys) {
      const id = keyId(key);
      seen.add(id);
      const err = problem(key);
      const before = this.failing.get(id);
      if (err === undefined) {
        if (before === undefined) continue;
        this.failing.delete(id);
        this.logger?.info({ key: id }, "key serves again: KEDA gets its metric");
        continue;
      }
      const kind = kindOf(err.message, id);
      if (kind === before) continue;
      this.failing.set(id, kind);
      this.logger?.warn(
        { key: id, cause: err.message, keda: "UNAVAILABLE (GetMetrics and IsActive fail; fallback applies)" },
        "key cannot be served",
      );
    }
    // Keys no longer in use are forgotten (a key added again logs again).
    for (const id of [...this.failing.keys()]) if (!seen.has(id)) this.failing.delete(id);
  }
}

/** The message without its changing numbers: the part after the key id, with digits dropped. */
function kindOf(message: string, id: string): string {
  const at = message.indexOf(id);
  const rest = at < 0 ? message : message.slice(at + id.length);
  return rest.replace(/\d+/g, "#").split(";")[0] ?? rest;
}
