import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { MetadataError, normaliseAdminUrl, parseTriggerMetadata } from "../../src/keda/metadata.js";
import { BASE, ONE, TWO, testRows, type Row } from "./metadata-rows.js";

// Starting point: KEDA's own pulsar scaler cases (pkg/scalers/pulsar_scaler_test.go), then ours.
const ROWS: Row[] = [
  { name: "no metadata at all", meta: {}, want: { error: "topic" } },
  { name: "adminURL only", meta: { adminURL: "http://172.20.0.151:80" }, want: { error: "topic" } },
  {
    name: "no subscription",
    meta: { adminURL: "http://172.20.0.151:80", topic: "persistent://public/default/my-topic" },
    want: { error: "subscription" },
  },
  {
    name: "KEDA's minimal valid trigger",
    meta: { adminURL: "http://172.20.0.151:80", ...BASE },
    want: {
      cluster: "default",
      subscription: "sub1",
      msgBacklogThreshold: 10,
      activationMsgBacklogThreshold: 0,
    },
  },
  {
    name: "isPartitionedTopic true",
    meta: { adminURL: "http://172.20.0.151:80", ...BASE, isPartitionedTopic: "true" },
    want: { isPartitionedTopic: true },
  },
  { name: "isPartitionedTopic absent = detect", meta: { ...BASE }, want: { isPartitionedTopic: undefined } },
  {
    name: "isPartitionedTopic False (Go ParseBool)",
    meta: { ...BASE, isPartitionedTopic: "False" },
    want: { isPartitionedTopic: false },
  },
  {
    name: "isPartitionedTopic yes",
    meta: { ...BASE, isPartitionedTopic: "yes" },
    want: { error: "isPartitionedTopic" },
  },
  {
    name: "TLS/oauth keys of KEDA's scaler are ignored",
    meta: {
      ...BASE,
      tls: "enable",
      authModes: "oauth",
      scope: "a b",
      scalerAddress: "hub:9090",
      enableTLS: "true",
      unsafeSsl: "x",
    },
    want: { cluster: "default" },
  },
  {
    name: "short topic form",
    meta: { ...BASE, topic: "public/default/my-topic" },
    want: {
      key: { cluster: "default", topic: "persistent://public/default/my-topic", subscription: "sub1" },
    },
  },
  {
    name: "non-persistent topic",
    meta: { ...BASE, topic: "non-persistent://t/ns/x" },
    want: { key: { cluster: "default", topic: "non-persistent://t/ns/x", subscription: "sub1" } },
  },
  { name: "bad topic", meta: { ...BASE, topic: "my-topic" }, want: { error: "topic" } },
  {
    name: "decimal threshold",
    meta: { ...BASE, msgBacklogThreshold: "2.5" },
    want: { msgBacklogThreshold: 2.5 },
  },
  {
    name: "zero threshold",
    meta: { ...BASE, msgBacklogThreshold: "0" },
    want: { error: "msgBacklogThreshold" },
  },
  {
    name: "negative threshold",
    meta: { ...BASE, msgBacklogThreshold: "-1" },
    want: { error: "msgBacklogThreshold" },
  },
  {
    name: "word threshold",
    meta: { ...BASE, msgBacklogThreshold: "ten" },
    want: { error: "msgBacklogThreshold" },
  },
  {
    name: "activation threshold",
    meta: { ...BASE, activationMsgBacklogThreshold: "3" },
    want: { activationMsgBacklogThreshold: 3, activation: { metric: "msgBacklog", threshold: 3 } },
  },
  {
    name: "activation negative",
    meta: { ...BASE, activationMsgBacklogThreshold: "-0.5" },
    want: { error: "activationMsgBacklogThreshold" },
  },
  {
    name: "metric nodelayed",
    meta: { ...BASE, metric: "msgBacklogNoDelayed" },
    want: { metric: "msgBacklogNoDelayed" },
  },
  {
    name: "metric bytes",
    meta: { ...BASE, metric: "msgBacklogBytes", activationMsgBacklogThreshold: "1024" },
    want: { metric: "msgBacklogBytes", activation: { metric: "msgBacklogBytes", threshold: 1024 } },
  },
  {
    name: "metric age",
    meta: { ...BASE, metric: "backlogAgeSeconds", msgBacklogThreshold: "30" },
    want: { metric: "backlogAgeSeconds", msgBacklogThreshold: 30 },
  },
  { name: "metric unknown", meta: { ...BASE, metric: "rate" }, want: { error: "metric" } },
  {
    name: "adminURL normalised (case, default port, slash)",
    meta: { ...BASE, adminURL: "HTTP://172.20.0.151/" },
    want: { cluster: "default" },
  },
  {
    name: "adminURL not configured",
    meta: { ...BASE, adminURL: "http://evil:8080" },
    want: { error: "adminURL" },
  },
  { name: "adminURL not a URL", meta: { ...BASE, adminURL: "pulsar" }, want: { error: "adminURL" } },
  { name: "several clusters, none named", meta: { ...BASE }, clusters: TWO, want: { error: "cluster" } },
  {
    name: "several clusters, by name",
    meta: { ...BASE, cluster: "west" },
    clusters: TWO,
    want: { cluster: "west" },
  },
  {
    name: "several clusters, by URL",
    meta: { ...BASE, adminURL: "https://pulsar-west" },
    clusters: TWO,
    want: { cluster: "west" },
  },
  {
    name: "cluster and adminURL disagree",
    meta: { ...BASE, cluster: "east", adminURL: "https://pulsar-west" },
    clusters: TWO,
    want: { error: "adminURL" },
  },
  { name: "unknown cluster", meta: { ...BASE, cluster: "north" }, clusters: TWO, want: { error: "cluster" } },
  { name: "control character", meta: { ...BASE, subscription: "a\nb" }, want: { error: "subscription" } },
  {
    name: "value over 1 KiB",
    meta: { ...BASE, subscription: "s".repeat(1025) },
    want: { error: "subscription" },
  },
  {
    name: "empty value counts as missing",
    meta: { ...BASE, subscription: "" },
    want: { error: "subscription" },
  },
];

testRows("metadata", ROWS);

void test("metadata: errors name the key, the value and what is expected", () => {
  assert.throws(
    () => parseTriggerMetadata({ ...BASE, adminURL: "http://evil:8080" }, TWO),
    (err: unknown) =>
      err instanceof MetadataError &&
      err.message.includes('"http://evil:8080"') &&
      err.message.includes("east=http://pulsar-east:8080") &&
      err.message.includes("west="),
  );
});

void test("metadata: normaliseAdminUrl", () => {
  assert.equal(normaliseAdminUrl("HTTPS://Host:443//"), "https://host");
  assert.equal(normaliseAdminUrl("http://h:8080/"), "http://h:8080");
  assert.equal(normaliseAdminUrl("ftp://h"), undefined);
  assert.equal(normaliseAdminUrl("nope"), undefined);
});

void test("metadata: random maps throw nothing but MetadataError", () => {
  const keys = fc.constantFrom(
    "adminURL",
    "topic",
    "subscription",
    "msgBacklogThreshold",
    "activationMsgBacklogThreshold",
    "isPartitionedTopic",
    "cluster",
    "metric",
    "other",
  );
  const values = fc.oneof(
    fc.string(),
    fc.string({ unit: "binary" }),
    fc.constantFrom(
      "persistent://a/b/c",
      "a/b/c",
      "http://172.20.0.151:80",
      "east",
      "1.5",
      "-1",
      "true",
      "NaN",
    ),
  );
  fc.assert(
    fc.property(fc.dictionary(fc.oneof(keys, fc.string()), values), fc.boolean(), (meta, two) => {
      try {
        parseTriggerMetadata(meta, two ? TWO : ONE);
      } catch (err) {
        if (!(err instanceof MetadataError)) throw err;
      }
    }),
    { numRuns: 2000 },
  );
});

void test("metric: an unknown kind names every allowed value", () => {
  assert.throws(
    () => parseTriggerMetadata({ ...BASE, metric: "backlogAge" }, ONE),
    (err: unknown) =>
      err instanceof MetadataError &&
      err.message.includes("msgBacklog, msgBacklogNoDelayed, msgBacklogBytes, backlogAgeSeconds"),
  );
});
