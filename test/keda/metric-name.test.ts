import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  METRIC_NAME_MAX,
  metricNameFor,
  metricNameMatches,
  type MetricNameInput,
} from "../../src/keda/metric-name.js";

const base: MetricNameInput = {
  cluster: "default",
  topic: "persistent://public/default/orders",
  topicLocal: "orders",
  subscription: "workers",
  metric: "msgBacklog",
};
const name = (o: Partial<MetricNameInput>) => metricNameFor({ ...base, ...o });
const VALID = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

void test("metric name: readable, deterministic, valid", () => {
  const n = name({});
  assert.match(n, /^pulsar-orders-workers-[0-9a-f]{10}$/);
  assert.equal(n, name({}));
  assert.match(name({ metric: "msgBacklogNoDelayed" }), /^pulsar-orders-workers-nodelayed-[0-9a-f]{10}$/);
});

void test("metric name: nasty inputs stay in [a-z0-9-] and within the budget", () => {
  const nasty = [
    "Ordérs.v2",
    "日本語トピック",
    "a".repeat(300),
    "--..__==%%",
    "",
    "UPPER_case.Mixed-9",
    "emoji-😀-topic",
  ];
  for (const local of nasty) {
    for (const sub of nasty) {
      for (const metric of ["msgBacklog", "msgBacklogNoDelayed"] as const) {
        const n = name({ topicLocal: local, topic: `persistent://t/ns/${local}`, subscription: sub, metric });
        assert.match(n, VALID, n);
        assert.ok(n.length <= METRIC_NAME_MAX, `${n} is ${n.length} long`);
        assert.ok(`s99-${n}`.length <= 63);
      }
    }
  }
});

void test("metric name: inputs differing only in case, punctuation, namespace, cluster or length differ", () => {
  const variants: Array<Partial<MetricNameInput>> = [
    {},
    { topic: "persistent://public/default/Orders", topicLocal: "Orders" },
    { topic: "persistent://public/default/or.ders", topicLocal: "or.ders" },
    { topic: "persistent://public/default/or-ders", topicLocal: "or-ders" },
    { topic: "persistent://public/other/orders" },
    { topic: "non-persistent://public/default/orders" },
    { cluster: "east" },
    { subscription: "Workers" },
    { subscription: "workers." },
    { metric: "msgBacklogNoDelayed" },
    { topic: `persistent://t/ns/${"x".repeat(200)}a`, topicLocal: `${"x".repeat(200)}a` },
    { topic: `persistent://t/ns/${"x".repeat(200)}b`, topicLocal: `${"x".repeat(200)}b` },
  ];
  const names = variants.map((v) => name(v));
  assert.equal(new Set(names).size, names.length, names.join("\n"));
});

void test("metric name: no collisions over random inputs", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(fc.string(), fc.string()), {
        minLength: 2,
        maxLength: 50,
        selector: (p) => JSON.stringify(p),
      }),
      (pairs) => {
        const names = pairs.map(([t, s]) =>
          name({ topic: `persistent://t/ns/${t}`, topicLocal: t, subscription: s }),
        );
        assert.equal(new Set(names).size, names.length);
        for (const n of names) assert.match(n, VALID);
      },
    ),
  );
});

void test("metric name: KEDA's s<i>- prefix is accepted when matching", () => {
  const n = name({});
  assert.ok(metricNameMatches(n, n));
  assert.ok(metricNameMatches(`s0-${n}`, n));
  assert.ok(metricNameMatches(`s12-${n}`, n));
  assert.ok(!metricNameMatches(`x0-${n}`, n));
  assert.ok(!metricNameMatches("pulsar-other", n));
});

void test("metric kinds: each kind its own name, marked by kind, deterministic, only [a-z0-9-]", () => {
  const base = {
    cluster: "c",
    topic: "persistent://public/default/orders",
    topicLocal: "orders",
    subscription: "w",
  };
  const kinds = ["msgBacklog", "msgBacklogNoDelayed", "msgBacklogBytes", "backlogAgeSeconds"] as const;
  const names = kinds.map((metric) => metricNameFor({ ...base, metric }));
  assert.equal(new Set(names).size, kinds.length);
  assert.match(names[2] ?? "", /^pulsar-orders-w-bytes-[0-9a-f]{10}$/);
  assert.match(names[3] ?? "", /^pulsar-orders-w-age-[0-9a-f]{10}$/);
  assert.deepEqual(
    kinds.map((metric) => metricNameFor({ ...base, metric })),
    names,
  );
  for (const n of names) assert.match(n, /^[a-z0-9-]{1,56}$/);
});
