import assert from "node:assert/strict";
import { test } from "node:test";
import { MetadataError, parseTriggerMetadata } from "../../src/keda/metadata.js";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";
import { BASE, ONE, TWO, testRows, type Row } from "./metadata-rows.js";

// Metadata as KEDA forwards it to an external scaler: values untrimmed, and `<key>FromEnv`
// resolved from the target container's env under its own key. KEDA's pulsar scaler trims every
// value (whitespace-only = absent) and reads topic, subscription and adminURL from the plain key
// first, then from `<key>FromEnv`: a migrated trigger must read the same here.

const ROWS: Row[] = [
  {
    name: "values trimmed (topic, subscription, isPartitionedTopic, metric, adminURL, cluster)",
    meta: {
      topic: " public/default/my-topic\t",
      subscription: " sub1 ",
      isPartitionedTopic: " true ",
      metric: " msgBacklogNoDelayed ",
      adminURL: "\u00a0https://pulsar-west ",
      cluster: " west\n",
    },
    clusters: TWO,
    want: {
      cluster: "west",
      subscription: "sub1",
      isPartitionedTopic: true,
      metric: "msgBacklogNoDelayed",
      key: { cluster: "west", topic: "persistent://public/default/my-topic", subscription: "sub1" },
    },
  },
  {
    name: "thresholds trimmed",
    meta: { ...BASE, msgBacklogThreshold: " 2.5 ", activationMsgBacklogThreshold: "\t3\n" },
    want: { msgBacklogThreshold: 2.5, activationMsgBacklogThreshold: 3 },
  },
  {
    name: "whitespace-only subscription counts as missing",
    meta: { ...BASE, subscription: "   " },
    want: { error: "subscription" },
  },
  {
    name: "whitespace-only topic counts as missing",
    meta: { ...BASE, topic: " \t " },
    want: { error: "topic" },
  },
  {
    name: "whitespace-only threshold and isPartitionedTopic take the defaults",
    meta: { ...BASE, msgBacklogThreshold: "  ", activationMsgBacklogThreshold: " ", isPartitionedTopic: " " },
    want: { msgBacklogThreshold: 10, activationMsgBacklogThreshold: 0, isPartitionedTopic: undefined },
  },
  {
    name: "whitespace-only cluster and adminURL count as absent",
    meta: { ...BASE, cluster: " ", adminURL: "  " },
    want: { cluster: "default" },
  },
  {
    name: "interior control character still rejected",
    meta: { ...BASE, subscription: " a\nb " },
    want: { error: "subscription" },
  },
  // topic, subscription and adminURL: KEDA resolves <key>FromEnv and forwards the value under that key.
  {
    name: "FromEnv keys used when the plain key is absent",
    meta: {
      topicFromEnv: "persistent://public/default/env-topic",
      subscriptionFromEnv: " env-sub ",
      adminURLFromEnv: "https://pulsar-west",
    },
    clusters: TWO,
    want: {
      key: { cluster: "west", topic: "persistent://public/default/env-topic", subscription: "env-sub" },
    },
  },
  {
    name: "the plain key wins over its FromEnv key",
    meta: {
      ...BASE,
      topicFromEnv: "persistent://public/default/env-topic",
      subscriptionFromEnv: "env-sub",
      adminURL: "http://pulsar-east:8080",
      adminURLFromEnv: "https://pulsar-west",
    },
    clusters: TWO,
    want: {
      key: { cluster: "east", topic: "persistent://public/default/my-topic", subscription: "sub1" },
    },
  },
  {
    name: "a whitespace-only plain key falls back to its FromEnv key",
    meta: { topic: " ", topicFromEnv: "a/b/c", subscription: "\t", subscriptionFromEnv: "s" },
    want: { key: { cluster: "default", topic: "persistent://a/b/c", subscription: "s" } },
  },
  {
    name: "a bad FromEnv value names the FromEnv key",
    meta: { subscription: "s", topicFromEnv: "my-topic" },
    want: { error: "topicFromEnv" },
  },
  {
    name: "a bad adminURLFromEnv names that key",
    meta: { ...BASE, adminURLFromEnv: "http://evil:8080" },
    want: { error: "adminURLFromEnv" },
  },
  {
    name: "FromEnv only for topic, subscription and adminURL",
    meta: { ...BASE, msgBacklogThresholdFromEnv: "3", clusterFromEnv: "west" },
    want: { msgBacklogThreshold: 10, cluster: "default" },
  },
];

testRows("metadata as forwarded", ROWS);

void test("metadata: a missing topic, subscription or cluster names both spellings, the same with whitespace", () => {
  const message = (meta: Record<string, string>, clusters: readonly ClusterConfig[] = ONE) => {
    try {
      parseTriggerMetadata(meta, clusters);
    } catch (err) {
      assert.ok(err instanceof MetadataError);
      return err.message;
    }
    return assert.fail("expected MetadataError");
  };
  const topic = message({ subscription: "s" });
  assert.match(topic, /\btopic or topicFromEnv\b/);
  assert.equal(message({ subscription: "s", topic: "  ", topicFromEnv: "\t" }), topic);
  const sub = message({ topic: "a/b/c" });
  assert.match(sub, /\bsubscription or subscriptionFromEnv\b/);
  assert.equal(message({ topic: "a/b/c", subscription: " ", subscriptionFromEnv: " " }), sub);
  const cluster = message(BASE, TWO);
  assert.match(cluster, /\bcluster, adminURL or adminURLFromEnv\b/);
  assert.equal(message({ ...BASE, adminURL: " ", adminURLFromEnv: " ", cluster: " " }, TWO), cluster);
});

void test("metadata: error texts say 'expected' once", () => {
  for (const topic of ["my-topic", "a//c", "t/n/b@d"]) {
    assert.throws(
      () => parseTriggerMetadata({ ...BASE, topic }, ONE),
      (err: unknown) => {
        assert.ok(err instanceof MetadataError);
        assert.doesNotMatch(err.message, /expected.*expected/, err.message);
        assert.doesNotMatch(err.expected, /^expected/, err.expected);
        assert.match(err.message, /persistent:\/\/tenant\/namespace\/topic|must be a name|must use only/);
        return true;
      },
    );
  }
});
