import assert from "node:assert/strict";
import { test } from "node:test";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { programRegistry } from "../../src/lib/metrics.js";

// The programs' registries are prom-client's. These tests pin what the project relies on: the
// text format Prometheus and the tests read, one registration per name, per-series removal, and
// `collect` run at each scrape.

void test("metrics: counter, gauge and histogram in Prometheus text format", async () => {
  const m = new Registry();
  const registers = [m];
  const c = new Counter({ name: "t_calls_total", help: "calls", labelNames: ["method", "code"], registers });
  const g = new Gauge({ name: "t_open", help: "open things", labelNames: ["kind"], registers });
  const h = new Histogram({
    name: "t_seconds",
    help: "durations",
    labelNames: ["method"],
    buckets: [0.1, 1],
    registers,
  });
  c.inc({ method: "A", code: "OK" });
  c.inc({ method: "A", code: "OK" }, 2);
  c.inc({ method: 'q"x\\', code: "E" });
  g.inc({ kind: "s" });
  g.inc({ kind: "s" });
  g.dec({ kind: "s" });
  g.set({ kind: "t" }, 7);
  h.observe({ method: "A" }, 0.05);
  h.observe({ method: "A" }, 0.5);
  h.observe({ method: "A" }, 5);
  assert.equal(m.contentType, "text/plain; version=0.0.4; charset=utf-8");
  assert.equal(
    await m.metrics(),
    [
      "# HELP t_calls_total calls",
      "# TYPE t_calls_total counter",
      't_calls_total{method="A",code="OK"} 3',
      't_calls_total{method="q\\"x\\\\",code="E"} 1',
      "",
      "# HELP t_open open things",
      "# TYPE t_open gauge",
      't_open{kind="s"} 1',
      't_open{kind="t"} 7',
      "",
      "# HELP t_seconds durations",
      "# TYPE t_seconds histogram",
      't_seconds_bucket{le="0.1",method="A"} 1',
      't_seconds_bucket{le="1",method="A"} 2',
      't_seconds_bucket{le="+Inf",method="A"} 3',
      't_seconds_sum{method="A"} 5.55',
      't_seconds_count{method="A"} 3',
      "",
    ].join("\n"),
  );
});

void test("metrics: names are checked and registered once", () => {
  const m = new Registry();
  new Counter({ name: "ok_total", help: "x", registers: [m] });
  assert.throws(
    () => new Counter({ name: "ok_total", help: "x", registers: [m] }),
    /already been registered/,
  );
  assert.throws(() => new Gauge({ name: "bad-name", help: "x", registers: [m] }), /Invalid metric name/);
});

void test("metrics: a fresh registry (the test twin) holds nothing, and no program uses the global one", async () => {
  const fresh = new Registry();
  new Counter({ name: "a_total", help: "b", labelNames: ["x"], registers: [new Registry()] }).inc({ x: "1" });
  assert.equal(await fresh.metrics(), "\n");
  assert.deepEqual(fresh.getMetricsAsArray(), []);
});

void test("metrics: collect runs at each scrape, labels escaped, in registration order; a removed series is gone", async () => {
  const m = new Registry();
  const held = new Map<string, number>([["a", 1]]);
  new Counter({ name: "t_first_total", help: "registered first", registers: [m] }).inc();
  const g = new Gauge({
    name: "t_held",
    help: "held elsewhere",
    labelNames: ["name"],
    registers: [m],
    collect() {
      for (const [name, v] of held) this.set({ name }, v);
    },
  });
  new Gauge({
    name: "t_seen",
    help: "a gauge",
    registers: [m],
    collect() {
      this.set(held.size);
    },
  });
  assert.equal(
    await m.metrics(),
    [
      "# HELP t_first_total registered first",
      "# TYPE t_first_total counter",
      "t_first_total 1",
      "",
      "# HELP t_held held elsewhere",
      "# TYPE t_held gauge",
      't_held{name="a"} 1',
      "",
      "# HELP t_seen a gauge",
      "# TYPE t_seen gauge",
      "t_seen 1",
      "",
    ].join("\n"),
  );
  held.delete("a");
  g.remove({ name: "a" });
  held.set('q"\\', 2);
  const again = await m.metrics();
  assert.doesNotMatch(again, /t_held\{name="a"\}/, "a series whose subject went away is gone");
  assert.match(again, /t_held\{name="q\\"\\\\"\} 2\n/);
  assert.match(again, /t_seen 1\n/);
  assert.throws(
    () => new Gauge({ name: "t_held", help: "again", registers: [m] }),
    /already been registered/,
  );
});

void test("metrics: a program's registry carries the process metrics (memory, heap, event-loop lag, GC)", async () => {
  const text = await programRegistry().metrics();
  for (const name of [
    "process_resident_memory_bytes",
    "process_cpu_seconds_total",
    "nodejs_heap_size_used_bytes",
    "nodejs_eventloop_lag_seconds",
    "nodejs_gc_duration_seconds",
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
  }
  assert.doesNotMatch(text, /^pps_/m, "no project metric is registered by the registry itself");
});
