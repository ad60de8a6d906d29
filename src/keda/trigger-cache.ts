import { LRUCache } from "lru-cache";
import type { ClusterConfig } from "../pulsar/cluster.js";
import { canonicalMetadata, checkMetadataSize, parseTriggerMetadata } from "./metadata.js";
import type { TriggerSpec } from "./trigger.js";

/** Bounds of the parsed-metadata cache: entries, and their estimated bytes in all. */
export interface TriggerCacheLimits {
  /** Most entries (default 10,000). */
  readonly max?: number;
  /** Most estimated bytes of all entries (default 8 MiB). */
  readonly maxBytes?: number;
}

export const TRIGGER_CACHE_DEFAULTS = Object.freeze({ max: 10_000, maxBytes: 8 * 1024 * 1024 });

/**
 * What an entry costs, estimated: its key is a string of UTF-16 units (2 bytes each at most), and
 * the spec holds the key's values again (topic, subscription, cluster) and the metric name built
 * of them, hence twice the key once more; plus the objects themselves.
 */
const ENTRY_OVERHEAD_BYTES = 1024;
export function entryBytes(key: string): number {
  return ENTRY_OVERHEAD_BYTES + 4 * key.length;
}

/**
 * Parsed trigger metadata by canonical metadata string, so KEDA's hot path (every tick, every HPA
 * read) does not re-parse. Sizes are checked first (checkMetadataSize), so nothing of an oversized
 * map is kept. Only valid metadata is cached: bad metadata costs a parse per call (microseconds),
 * and caching its errors would let a caller fill the cache with junk that pushes valid entries out.
 */
export class TriggerCache {
  private readonly cache: LRUCache<string, TriggerSpec>;

  constructor(
    private readonly clusters: readonly ClusterConfig[],
    limits: TriggerCacheLimits = {},
  ) {
    const max = limits.max ?? TRIGGER_CACHE_DEFAULTS.max;
    const maxSize = limits.maxBytes ?? TRIGGER_CACHE_DEFAULTS.maxBytes;
    this.cache = new LRUCache<string, TriggerSpec>({
      max,
      maxSize,
      sizeCalculation: (_spec, key) => entryBytes(key),
    });
  }

  /** The parsed spec; throws MetadataError. */
  get(meta: Readonly<Record<string, string>>): TriggerSpec {
    checkMetadataSize(meta);
    const key = canonicalMetadata(meta);
    let spec = this.cache.get(key);
    if (!spec) {
      spec = parseTriggerMetadata(meta, this.clusters);
      this.cache.set(key, spec);
    }
    return spec;
  }

  get size(): number {
    return this.cache.size;
  }

  /** Estimated bytes of all entries (entryBytes each), at most `maxBytes`. */
  get bytes(): number {
    return this.cache.calculatedSize;
  }

  get maxBytes(): number {
    return this.cache.maxSize;
  }
}
