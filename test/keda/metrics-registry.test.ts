import assert from "node:assert/strict";
import { test } from "node:test";
import { createMetrics, noopMetrics } from "../../src/lib/metrics.js";

void test("metrics: counter, gauge and histogram in Prometheus text format", () => {
  const m = createMetrics();
  const c = m.counter("t_calls_total", "calls", ["method", "code"]);
  const g = m.gauge("t_open", "open things", ["kind"]);
  const h = m.histogram("t_seconds", "durations", ["method"], [0.1, 1]);
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
  assert.equal(
    m.render(),
    [
      "# HELP t_calls_total calls",
      "# TYPE t_calls_total counter",
      't_calls_total{method="A",code="OK"} 3',
      't_calls_total{method="q\\"x\\\\",code="E"} 1',
      "# HELP t_open open things",
      "# TYPE t_open gauge",
      't_open{kind="s"} 1',
      't_open{kind="t"} 7',
      "# HELP t_seconds durations",
      "# TYPE t_seconds histogram",
      't_seconds_bucket{method="A",le="0.1"} 1',
      't_seconds_bucket{method="A",le="1"} 2',
      't_seconds_bucket{method="A",le="+Inf"} 3',
      't_seconds_sum{method="A"} 5.55',
      't_seconds_count{method="A"} 3',
      "",
    ].join("\n"),
  );
});

void test("metrics: names are checked and registered once", () => {
  const m = createMetrics();
  m.counter("ok_total", "x", []);
  assert.throws(() => m.counter("ok_total", "x", []), /twice/);
  assert.throws(() => m.gauge("bad-name", "x", []), /invalid metric name/);
});

void test("metrics: the no-op twin records nothing", () => {
  noopMetrics.counter("a", "b", ["x"]).inc({ x: "1" });
  noopMetrics.histogram("a", "b", []).observe({}, 1);
  assert.equal(noopMetrics.render(), "");
});

void test("metrics: collected families are computed at each render, labels escaped, in registration order", () => {
  const m = createMetrics();
  const held = new Map<string, number>([["a", 1]]);
  m.counter("t_first_total", "registered first", []).inc({});
  m.collected("t_held", "held elsewhere", "gauge", ["name"], () =>
    [...held].map(([name, v]) => [{ name }, v] as const),
  );
  m.collected("t_seen_total", "a counter", "counter", [], () => [[{}, held.size]]);
  assert.equal(
    m.render(),
    [
      "# HELP t_first_total registered first",
      "# TYPE t_first_total counter",
      "t_first_total 1",
      "# HELP t_held held elsewhere",
      "# TYPE t_held gauge",
      't_held{name="a"} 1',
      "# HELP t_seen_total a counter",
      "# TYPE t_seen_total counter",
      "t_seen_total 1",
      "",
    ].join("\n"),
  );
  held.delete("a");
  held.set('q"\\', 2);
  const again = m.render();
  assert.doesNotMatch(again, /t_held\{name="a"\}/, "a series whose subject went away is gone");
  assert.match(again, /t_held\{name="q\\"\\\\"\} 2\n/);
  assert.match(again, /t_seen_total 1\n/);
  assert.throws(() => m.collected("t_held", "again", "gauge", [], () => []), /registered twice/);
  noopMetrics.collected("t_x", "nothing", "gauge", [], () =>
    assert.fail("the no-op registry never collects"),
  );
  assert.equal(noopMetrics.render(), "");
});
