import { LRUCache } from "lru-cache";
import type { ClusterConfig } from "../pulsar/cluster.js";
import { MetadataError } from "./errors.js";
import { canonicalMetadata, parseTriggerMetadata } from "./metadata.js";
import type { TriggerSpec } from "./trigger.js";

type Entry = { readonly spec: TriggerSpec } | { readonly error: MetadataError };

/**
 * Parsed trigger metadata by canonical metadata string, so KEDA's hot path (every tick, every HPA
 * read) does not re-parse. Bad metadata is cached too: it stays bad until the trigger changes.
 */
export class TriggerCache {
  private readonly cache: LRUCache<string, Entry>;

  constructor(
    private readonly clusters: readonly ClusterConfig[],
    max = 10_000,
  ) {
    this.cache = new LRUCache<string, Entry>({ max });
  }

  /** The parsed spec; throws MetadataError. */
  get(meta: Readonly<Record<string, string>>): TriggerSpec {
    const key = canonicalMetadata(meta);
    let entry = this.cache.get(key);
    if (!entry) {
      try {
        entry = { spec: parseTriggerMetadata(meta, this.clusters) };
      } catch (err) {
        if (!(err instanceof MetadataError)) throw err;
        entry = { error: err };
      }
      this.cache.set(key, entry);
    }
    if ("error" in entry) throw entry.error;
    return entry.spec;
  }

  get size(): number {
    return this.cache.size;
  }
}
