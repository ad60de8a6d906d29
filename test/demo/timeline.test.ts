import assert from "node:assert/strict";
import { test } from "node:test";
import { emptyStats, summaryEvent } from "../../src/demo/stats.js";
import { createTimeline, formatJson, formatText, median, type DemoEvent } from "../../src/demo/timeline.js";

void test("text lines: time column, label, text", () => {
  assert.equal(formatText(2.1, { type: "publish", count: 40 }), "+2.10s   publish      burst of 40 messages");
  assert.equal(
    formatText(2.11, { type: "activation", latencyMs: 4.2, fromZero: true }),
    "+2.11s   ACTIVATION   pushed true after 4 ms (scaled from zero)",
  );
  assert.equal(
    formatText(2.4, { type: "metrics", backlog: 40, active: true, replicas: 4, min: 0, max: 10 }),
    "+2.40s   metrics      backlog 40  active true  -> replicas 4 (min 0, max 10)",
  );
  assert.equal(
    formatText(5, {
      type: "lease",
      key: "default/persistent://public/default/demo-orders/demo-workers",
      holder: "demo-a",
      previous: "hub",
    }),
    "+5.00s   lease        key demo-orders:demo-workers held by demo-a (was hub)",
  );
  assert.equal(
    formatText(9.8, { type: "drained", backlog: 0, active: false }),
    "+9.80s   drained      backlog 0, IsActive false",
  );
  assert.match(
    formatText(0, { type: "activation", latencyMs: undefined, fromZero: false }),
    /ACTIVATION {3}pushed true$/,
  );
});

void test("JSON lines: the event with t and type, undefined fields left out", () => {
  const line = formatJson(1.23456, { type: "activation", latencyMs: undefined, fromZero: true });
  assert.deepEqual(JSON.parse(line), { t: 1.235, type: "activation", fromZero: true });
});

void test("every event type renders as text and as JSON", () => {
  const events: DemoEvent[] = [
    {
      type: "ready",
      simPort: 1,
      serviceUrl: "pulsar://127.0.0.1:6650",
      hubGrpcPort: 2,
      hubHttpPort: 3,
      sidecars: ["a", "b"],
      startupMs: 900,
      logDir: "/tmp/x",
    },
    { type: "publish", count: 1 },
    { type: "activation", latencyMs: 3, fromZero: true },
    { type: "metrics", backlog: 1, active: true, replicas: 1, min: 0, max: 1 },
    { type: "unavailable", code: "UNAVAILABLE", message: "stale" },
    { type: "problem", source: "publish", message: "closed" },
    { type: "scale", from: 0, to: 1, reason: "activation" },
    { type: "drained", backlog: 0, active: false },
    { type: "lease", key: "k", holder: "hub", previous: "demo-a" },
    { type: "sidecar-killed", name: "demo-a", signal: "SIGKILL" },
    { type: "child-exit", name: "demo-a", code: null, signal: "SIGKILL" },
    { type: "stream", state: "end", detail: "OK" },
    { type: "stopping", reason: "SIGINT" },
    summaryEvent(emptyStats(), 1000),
  ];
  for (const e of events) {
    assert.ok(formatText(1, e).length > 20, e.type);
    assert.equal((JSON.parse(formatJson(1, e)) as { type: string }).type, e.type);
  }
});

void test("timeline: events before start are written after the ready line at +0; t counts from start", () => {
  let now = 1000;
  const lines: string[] = [];
  const tl = createTimeline({ json: true, now: () => now, write: (l) => lines.push(l) });
  tl.emit({ type: "stopping", reason: "early" });
  assert.equal(lines.length, 0);
  now = 2000;
  tl.start({
    type: "ready",
    simPort: 1,
    serviceUrl: "pulsar://127.0.0.1:6650",
    hubGrpcPort: 2,
    hubHttpPort: 3,
    sidecars: [],
    startupMs: 1000,
    logDir: "/d",
  });
  now = 4500;
  tl.emit({ type: "stopping", reason: "late" });
  const parsed = lines.map((l) => JSON.parse(l) as { t: number; type: string });
  assert.deepEqual(
    parsed.map((p) => [p.type, p.t]),
    [
      ["ready", 0],
      ["stopping", 0],
      ["stopping", 2.5],
    ],
  );
  assert.ok(lines.every((l) => l.endsWith("\n")));
});

void test("summary: p50 and max of activation latencies", () => {
  const s = emptyStats();
  s.activations = 3;
  s.latenciesMs.push(9, 3, 5);
  s.maxBacklog = 30;
  const e = summaryEvent(s, 15_000);
  assert.equal(e.activationP50Ms, 5);
  assert.equal(e.activationMaxMs, 9);
  assert.equal(e.durationS, 15);
  assert.equal(median([]), undefined);
  assert.equal(median([4, 1]), 1);
  assert.equal(summaryEvent(emptyStats(), 0).activationMaxMs, undefined);
  assert.match(formatText(15, e), /15\.0 s: 3 activations \(p50 5 ms, max 9 ms\)/);
  const one = emptyStats();
  one.activations = 1;
  one.latenciesMs.push(7);
  assert.match(formatText(6, summaryEvent(one, 6000)), /6\.0 s: 1 activation \(p50 7 ms, max 7 ms\)/);
  assert.match(formatText(1, summaryEvent(emptyStats(), 1000)), /0 activations \(p50 n\/a, max n\/a\)/);
});
