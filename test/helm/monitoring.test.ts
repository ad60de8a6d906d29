/**
 * Dashboards and alerts (issue 14 item 2): the Grafana JSON parses, the PrometheusRule, PodMonitor
 * and ServiceMonitor have their operators' shapes (checked by hand in render.ts: no schema package
 * for the Prometheus Operator CRDs is installed), every metric their PromQL names is served by a
 * real hub or sidecar started here on loopback, and every alert has its runbook section.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KedaEmulator } from "../../src/keda/keda-emulator.js";
import { killAll, startHub, startSim, type HubProc, type SimProc } from "../support/programs.js";
import { tsxRunner } from "../support/runner.js";
import { scrape } from "../support/scrape.js";
import { startSidecar, type SidecarProcess } from "../support/sidecar-process.js";
import {
  CHART,
  ROOT,
  assertHelmPresent,
  findOne,
  template,
  validateObject,
  type K8sObject,
} from "./render.js";
import { bracketProblems, exposedNames, metricNames } from "./promql.js";

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; query: unknown }[] };
}

/** Series Prometheus makes itself for every target, not served on /metrics. */
const PROMETHEUS_OWN = new Set(["up"]);

const MONITORING = [
  "serviceMonitor.enabled=true",
  "podMonitor.enabled=true",
  "prometheusRule.enabled=true",
  "dashboards.enabled=true",
];

function rulesOf(objs: readonly K8sObject[]): Rule[] {
  const spec = findOne(objs, "PrometheusRule").spec as { groups: { rules: Rule[] }[] };
  return spec.groups.flatMap((g) => g.rules);
}

function dashboardExprs(d: Dashboard): string[] {
  const walk = (ps: readonly Panel[]): string[] =>
    ps.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr), ...walk(p.panels ?? [])]);
  const vars = d.templating.list.flatMap((v) =>
    typeof v.query === "object" && v.query !== null ? [String((v.query as { query: string }).query)] : [],
  );
  // label_values(<selector>, <label>): the selector is PromQL.
  return [...walk(d.panels), ...vars.map((q) => q.replace(/^label_values\((.*), *\w+\)$/, "$1"))];
}

const readDashboard = (): Dashboard =>
  JSON.parse(readFileSync(join(CHART, "dashboards", "hub.json"), "utf8")) as Dashboard;

before(() => assertHelmPresent());

void describe("the chart's monitoring objects", () => {
  let objs: K8sObject[];
  before(() => {
    objs = template({ release: "pps", namespace: "team-a", set: MONITORING });
  });

  void test("render and validate: PrometheusRule, PodMonitor, ServiceMonitor, dashboard ConfigMap", () => {
    for (const kind of ["PrometheusRule", "PodMonitor", "ServiceMonitor"])
      validateObject(findOne(objs, kind));
    const cm = findOne(objs, "ConfigMap", "pps-pulsar-push-scaler-dashboards") as K8sObject & {
      data: Record<string, string>;
    };
    validateObject(cm);
    assert.equal(cm.metadata.labels?.grafana_dashboard, "1");
    assert.deepEqual(JSON.parse(cm.data["pulsar-push-scaler-hub.json"] ?? ""), readDashboard());
  });

  void test("the alerts the issue asks for, each with severity, summary and a runbook section", () => {
    const rules = rulesOf(objs);
    assert.deepEqual(
      rules.map((r) => r.alert),
      [
        "PulsarPushScalerHubDown",
        "PulsarPushScalerKeysStale",
        "PulsarPushScalerKedaUnavailable",
        "PulsarPushScalerPulsarAdminErrors",
        "PulsarPushScalerArrivalsDown",
        "PulsarPushScalerLeaseChurn",
        "PulsarPushScalerKedaCallErrors",
        "PulsarPushScalerSidecarsRejected",
        "PulsarPushScalerEventLoopLag",
      ],
    );
    const runbook = readFileSync(join(ROOT, "docs", "operations.md"), "utf8");
    for (const r of rules) {
      const name = r.alert ?? "";
      assert.ok(r.labels?.severity, `${name}: severity`);
      assert.ok(r.annotations?.summary, `${name}: summary`);
      assert.ok(r.annotations?.runbook_url?.endsWith(`docs/operations.md#${name.toLowerCase()}`), name);
      assert.match(runbook, new RegExp(`^### ${name}$`, "m"), `docs/operations.md has a section ### ${name}`);
      assert.deepEqual(bracketProblems(r.expr), []);
      assert.match(r.expr, /namespace="team-a", job="pps-pulsar-push-scaler"/, `${name} selects this hub`);
    }
  });

  void test("thresholds, disabled alerts, alert labels, the selector and jobLabel are honoured", () => {
    const rules = rulesOf(
      template({
        set: [
          ...MONITORING,
          "prometheusRule.thresholds.observationAgeSeconds=300",
          "prometheusRule.disabled={PulsarPushScalerLeaseChurn}",
          "prometheusRule.alertLabels.team=orders",
          "serviceMonitor.jobLabel=app.kubernetes.io/name",
        ],
      }),
    );
    assert.equal(
      rules.find((r) => r.alert === "PulsarPushScalerLeaseChurn"),
      undefined,
    );
    const stale = rules.find((r) => r.alert === "PulsarPushScalerKeysStale");
    assert.match(stale?.expr ?? "", /> 300$/);
    assert.equal(stale?.labels?.team, "orders");
    assert.match(stale?.expr ?? "", /job="pulsar-push-scaler"/, "job is the Service's jobLabel value");
    const custom = rulesOf(
      template({ set: [...MONITORING, 'prometheusRule.selector=cluster="eu"\\, app="pps"'] }),
    );
    assert.match(custom[0]?.expr ?? "", /^up\{cluster="eu", app="pps"\} == 0/);
  });

  void test("ServiceMonitor: jobLabel, relabelings, metricRelabelings, tlsConfig (scheme https)", () => {
    const sm = findOne(
      template({
        set: [
          "serviceMonitor.enabled=true",
          "serviceMonitor.jobLabel=app.kubernetes.io/name",
          "serviceMonitor.relabelings[0].targetLabel=cluster",
          "serviceMonitor.relabelings[0].replacement=eu-1",
          "serviceMonitor.metricRelabelings[0].action=drop",
          "serviceMonitor.metricRelabelings[0].regex=nodejs_gc_.*",
          "serviceMonitor.metricRelabelings[0].sourceLabels={__name__}",
          "serviceMonitor.tlsConfig.insecureSkipVerify=true",
        ],
      }),
      "ServiceMonitor",
    );
    validateObject(sm);
    const spec = sm.spec as { jobLabel: string; endpoints: Record<string, unknown>[] };
    assert.equal(spec.jobLabel, "app.kubernetes.io/name");
    const [ep] = spec.endpoints;
    assert.equal(ep?.scheme, "https");
    assert.deepEqual(ep?.tlsConfig, { insecureSkipVerify: true });
    assert.deepEqual(ep?.relabelings, [{ targetLabel: "cluster", replacement: "eu-1" }]);
    assert.deepEqual(ep?.metricRelabelings, [
      { action: "drop", regex: "nodejs_gc_.*", sourceLabels: ["__name__"] },
    ]);
  });

  void test("PodMonitor selects the sidecar-labelled pods on port pps-http; refused with httpPort off", () => {
    const pm = findOne(objs, "PodMonitor").spec as {
      selector: { matchLabels: Record<string, string> };
      podMetricsEndpoints: { port: string; path: string }[];
    };
    assert.deepEqual(pm.selector.matchLabels, { "pulsar-push-scaler/sidecar": "true" });
    assert.deepEqual(
      pm.podMetricsEndpoints.map((e) => [e.port, e.path]),
      [["pps-http", "/metrics"]],
    );
    assert.throws(
      () => template({ set: ["podMonitor.enabled=true", "sidecar.httpPort=off"] }),
      /sidecar\.httpPort is off/,
    );
  });
});

void describe("the dashboard and the rules name only metrics a real hub or sidecar serves", () => {
  const runner = tsxRunner();
  let sim: SimProc;
  let hub: HubProc;
  let sidecar: SidecarProcess;
  let served: Set<string>;
  before(async () => {
    sim = await startSim(runner);
    hub = await startHub(runner, { adminUrl: sim.adminUrl, wsUrl: sim.wsUrl, sidecarToken: "tok" });
    sidecar = await startSidecar(
      [
        "--hub-url",
        hub.sidecarUrl,
        "--http-port",
        "0",
        "--listen-host",
        "127.0.0.1",
        "--pod-name",
        "consumer-0",
        "--pulsar-admin-url",
        sim.adminUrl,
        "--watch",
        "persistent://public/default/orders:workers",
      ],
      { PPS_HUB_TOKEN: "tok", POD_NAMESPACE: "apps" },
    );
    // One KEDA call so the gRPC families have samples too (their # TYPE lines are there anyway).
    const keda = new KedaEmulator({ address: hub.grpcAddress, reopenDelayMs: 60_000 });
    try {
      await keda.getMetricSpec({
        name: "consumer",
        namespace: "apps",
        scalerMetadata: {
          topic: "persistent://public/default/orders",
          subscription: "workers",
          scalerAddress: "hub:9090",
        },
      });
    } finally {
      keda.close();
    }
    const sidecarPort = Number(sidecar.ready["httpPort"]);
    served = new Set([
      ...exposedNames(await scrape(hub.httpPort)),
      ...exposedNames(await scrape(sidecarPort)),
    ]);
  });
  after(async () => {
    await sidecar?.kill();
    await killAll([hub, sim]);
  });

  void test("dashboard: parses, has a uid, every panel query balances and names served metrics", () => {
    const d = readDashboard();
    assert.equal(d.uid, "pulsar-push-scaler-hub");
    const exprs = dashboardExprs(d);
    assert.ok(exprs.length >= 20, `${exprs.length} queries`);
    const missing = new Set<string>();
    for (const e of exprs) {
      assert.deepEqual(bracketProblems(e), []);
      for (const n of metricNames(e)) if (!served.has(n) && !PROMETHEUS_OWN.has(n)) missing.add(n);
    }
    assert.deepEqual([...missing], []);
  });

  void test("rules: every metric named is served", () => {
    const rules = rulesOf(template({ set: MONITORING }));
    const names = new Set(rules.flatMap((r) => metricNames(r.expr)));
    assert.ok(names.has("pps_hub_arrival_readers") && names.has("nodejs_eventloop_lag_p99_seconds"));
    assert.deepEqual(
      [...names].filter((n) => !served.has(n) && !PROMETHEUS_OWN.has(n)),
      [],
    );
  });

  void test("the name reader finds what a bad name would hide", () => {
    assert.deepEqual(metricNames('sum by (method) (rate(pps_nope_total{job="x"}[5m])) > 1e3'), [
      "pps_nope_total",
    ]);
    assert.equal(served.has("pps_nope_total"), false);
  });
});
