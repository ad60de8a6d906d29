/**
 * A chart that stays put (issue 14 item 3): the same inputs render the same manifests (GitOps tools
 * re-render on every sync, so a changing token would be rotated each time), commonLabels and
 * commonAnnotations reach every object, the extra* values land where they say, the sidecar has
 * probes, and the schema refuses bad values for the new keys.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import {
  ALL_FEATURES,
  CHART,
  assertHelmPresent,
  container,
  findOne,
  helmOk,
  lint,
  podTemplate,
  TEST_TOKEN,
  helm,
  renderNotes,
  template,
  templateConsumerChart,
  validateObject,
  type K8sObject,
} from "./render.js";

type TokenSecret = K8sObject & { data: Record<string, string> };

function renderText(args: readonly string[]): string {
  return helmOk([
    "template",
    "pps",
    CHART,
    "--namespace",
    "team-a",
    "--set",
    `sidecarToken.value=${TEST_TOKEN}`,
    ...args,
  ]);
}

function tokenOf(objs: readonly K8sObject[]): string {
  const s = findOne(objs, "Secret") as TokenSecret;
  return Buffer.from(s.data.token ?? "", "base64").toString("utf8");
}

before(() => assertHelmPresent());

void describe("helm template is deterministic", () => {
  void test("twice with the same inputs: byte-identical output (defaults, and every feature on)", () => {
    assert.equal(renderText([]), renderText([]));
    assert.equal(renderText(["-f", ALL_FEATURES]), renderText(["-f", ALL_FEATURES]));
    const monitoring = [
      "-f",
      ALL_FEATURES,
      ...["prometheusRule", "dashboards", "podMonitor"].flatMap((k) => ["--set", `${k}.enabled=true`]),
    ];
    assert.equal(renderText(monitoring), renderText(monitoring));
  });

  void test("without a token and no cluster to look up, the render fails naming both values (never an invented token)", () => {
    const r = helm(["template", "pps", CHART, "--namespace", "team-a"]);
    assert.notEqual(r.status, 0, r.stdout);
    assert.match(r.stderr, /sidecarToken\.existingSecret/);
    assert.match(r.stderr, /sidecarToken\.value/);
    assert.match(r.stderr, /team-a\/pps-pulsar-push-scaler-sidecar-token/);
  });

  void test("sidecarToken.value is used as given; existingSecret renders no Secret", () => {
    const given = template({ set: ["sidecarToken.value=s3cr3t-token-from-my-values"] });
    assert.equal(tokenOf(given), "s3cr3t-token-from-my-values");
    const external = template({ set: ["sidecarToken.existingSecret=mine"] });
    assert.equal(
      external.find((o) => o.kind === "Secret"),
      undefined,
    );
  });
});

void describe("the install notes on the token", () => {
  void test("stay quiet about the token when existingSecret or value gave it", () => {
    // The other branch (the token kept from the cluster Secret) needs `lookup`, so a cluster.
    for (const set of ["sidecarToken.existingSecret=mine", "sidecarToken.value=tok"])
      assert.doesNotMatch(renderNotes({ set: [set] }), /kept from the cluster/, set);
  });
});

void describe("commonLabels and commonAnnotations", () => {
  let objs: K8sObject[];
  before(() => {
    objs = template({
      valuesFiles: [ALL_FEATURES],
      set: ["prometheusRule.enabled=true", "dashboards.enabled=true", "podMonitor.enabled=true"],
    });
  });

  void test("every object carries them; the chart's own labels and an object's own annotations win", () => {
    assert.ok(objs.length >= 10, objs.map((o) => o.kind).join(","));
    for (const o of objs) {
      const meta = o.metadata as K8sObject["metadata"] & { annotations?: Record<string, string> };
      const where = `${o.kind} ${o.metadata.name}`;
      assert.equal(meta.labels?.["example.com/cost-center"], "platform", where);
      assert.equal(meta.labels?.["app.kubernetes.io/name"], "pulsar-push-scaler", where);
      const owner = o.kind === "ServiceAccount" ? "platform" : "platform-team";
      assert.equal(meta.annotations?.["example.com/owner"], owner, where);
    }
    const pod = podTemplate(findOne(objs, "Deployment"));
    assert.equal(pod.metadata.labels["example.com/cost-center"], "platform", "hub pods too");
    const selector = (findOne(objs, "Deployment").spec as { selector: { matchLabels: object } }).selector;
    assert.equal(Object.keys(selector.matchLabels).length, 3, "selector labels stay the chart's own");
  });

  void test("revisionHistoryLimit, extraArgs, extraVolumes, extraVolumeMounts, extraContainers", () => {
    const deploy = findOne(objs, "Deployment");
    validateObject(deploy);
    assert.equal((deploy.spec as { revisionHistoryLimit: number }).revisionHistoryLimit, 3);
    const hub = container(deploy, "hub");
    assert.deepEqual(hub.args, ["hub", "--max-keys", "20000"]);
    assert.ok(hub.volumeMounts?.some((m) => m.name === "extra-config" && m.mountPath === "/etc/hub-extra"));
    assert.ok(podTemplate(deploy).spec.volumes?.some((v) => v.name === "extra-config"));
    assert.equal(container(deploy, "log-shipper").image, "registry.example.com/log-shipper:1.0.0");
    const defaults = findOne(template(), "Deployment");
    assert.equal((defaults.spec as { revisionHistoryLimit: number }).revisionHistoryLimit, 5);
    assert.deepEqual(container(defaults, "hub").args, ["hub"]);
  });
});

void describe("the schema refuses bad values of the new keys", () => {
  void test("each of these fails helm lint --strict", () => {
    for (const set of [
      "commonLabels.bad key=x",
      "commonLabels.ok=has spaces",
      "revisionHistoryLimit=-1",
      "extraArgs[0].x=1",
      "extraContainers[0].name=shipper",
      "extraVolumes[0].configMap.name=x",
      "extraVolumeMounts[0].name=x",
      "sidecar.httpPort=eighty",
      "sidecar.probes.readinessPath=/ready",
      "sidecar.probes.liveness.periodSecond=5",
      "sidecarToken.valu=x",
    ]) {
      const r = lint({ set: [set] });
      assert.notEqual(r.status, 0, `--set ${set} should fail lint`);
    }
  });

  void test("and accepts good ones", () => {
    const r = lint({
      set: [
        "commonLabels.example\\.com/team=orders",
        "revisionHistoryLimit=0",
        "sidecar.httpPort=off",
        "sidecar.probes.readinessPath=/readyz",
      ],
    });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

void describe("sidecar probes (named template pulsar-push-scaler.sidecar)", () => {
  const sidecarOf = (set: string[] = []) =>
    container(
      findOne(
        templateConsumerChart({ release: "shop", namespace: "orders", set }),
        "Deployment",
        "orders-consumer",
      ),
      "pulsar-push-scaler-sidecar",
    );

  void test("liveness and readiness on the sidecar's HTTP port; readiness on /healthz by default", () => {
    const c = sidecarOf();
    assert.deepEqual(c.ports, [{ name: "pps-http", containerPort: 8081, protocol: "TCP" }]);
    assert.equal(c.env?.find((e) => e.name === "PPS_HTTP_PORT")?.value, "8081");
    assert.deepEqual(c.livenessProbe?.httpGet, { path: "/healthz", port: "pps-http" });
    assert.deepEqual(c.readinessProbe?.httpGet, { path: "/healthz", port: "pps-http" });
    const ready = sidecarOf(["pulsar-push-scaler.sidecar.probes.readinessPath=/readyz"]);
    assert.deepEqual(ready.readinessProbe?.httpGet, { path: "/readyz", port: "pps-http" });
  });

  void test("httpPort off: PPS_HTTP_PORT=off, no port and no probes", () => {
    const c = sidecarOf(["pulsar-push-scaler.sidecar.httpPort=off"]);
    assert.equal(c.env?.find((e) => e.name === "PPS_HTTP_PORT")?.value, "off");
    assert.equal(c.ports, undefined);
    assert.equal(c.livenessProbe, undefined);
    assert.equal(c.readinessProbe, undefined);
  });
});
