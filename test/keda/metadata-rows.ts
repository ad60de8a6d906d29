import assert from "node:assert/strict";
import { test } from "node:test";
import { MetadataError, parseTriggerMetadata } from "../../src/keda/metadata.js";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";

/** Clusters and metadata the metadata tests share. */
export const cluster = (name: string, adminUrl: string): ClusterConfig => ({
  name,
  adminUrl,
  wsUrl: adminUrl.replace(/^http/, "ws"),
  arrivals: "auto",
  auth: { kind: "none" },
  requestTimeoutMs: 5000,
});
export const ONE = [cluster("default", "http://172.20.0.151:80")];
export const TWO = [cluster("east", "http://pulsar-east:8080"), cluster("west", "https://Pulsar-West:443/")];
export const BASE = { topic: "persistent://public/default/my-topic", subscription: "sub1" };

/** One metadata case: a map, the clusters, and what parsing it must give. */
export interface Row {
  readonly name: string;
  readonly meta: Record<string, string>;
  readonly clusters?: readonly ClusterConfig[];
  /** Expected fields of the spec, or the key the MetadataError must name. */
  readonly want: Record<string, unknown> | { error: string };
}

/**
 * A test per row: the spec has the wanted fields, or parsing throws a MetadataError naming the
 * wanted key, with the key and "expected" in its message.
 */
export function testRows(prefix: string, rows: readonly Row[]): void {
  for (const row of rows) {
    void test(`${prefix}: ${row.name}`, () => {
      const run = () => parseTriggerMetadata(row.meta, row.clusters ?? ONE);
      if ("error" in row.want) {
        const key = String(row.want.error);
        assert.throws(run, (err: unknown) => {
          assert.ok(err instanceof MetadataError, `MetadataError, got ${String(err)}`);
          assert.equal(err.key, key);
          assert.match(err.message, new RegExp(`\\b${key}\\b`));
          assert.match(err.message, /expected/);
          return true;
        });
        return;
      }
      const spec = run() as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(row.want)) assert.deepEqual(spec[k], v, k);
    });
  }
}
