/**
 * examples/ and the chart README's plain-YAML sidecar: valid Kubernetes and KEDA objects, and the
 * same sidecar the chart's named template renders (release pulsar-push-scaler, namespace my-ns).
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CHART,
  ROOT,
  assertHelmPresent,
  container,
  findOne,
  parseManifests,
  parsePlainYaml,
  parseYamlFile,
  podTemplate,
  template,
  templateConsumerChart,
  validateObject,
  type K8sObject,
  type PodTemplate,
} from "./render.js";

const EXAMPLES = join(ROOT, "examples");
const RELEASE = "pulsar-push-scaler";
const NAMESPACE = "my-ns";

interface Trigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string };
}
type ScaledObjectSpec = { minReplicaCount?: number; scaleTargetRef: { name: string }; triggers: Trigger[] };

/** The ```yaml blocks of a Markdown file. */
function yamlBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
}

function triggersOf(objs: readonly K8sObject[]): Trigger[] {
  return objs.filter((o) => o.kind === "ScaledObject").flatMap((o) => (o.spec as ScaledObjectSpec).triggers);
}

before(() => assertHelmPresent());

void describe("examples/", () => {
  let rendered: K8sObject[];
  let hub: K8sObject[];
  before(() => {
    rendered = templateConsumerChart({ release: RELEASE, namespace: NAMESPACE });
    hub = template({ release: RELEASE, namespace: NAMESPACE });
  });

  void test("consumer-deployment.yaml is a valid Deployment whose sidecar equals the named template's", () => {
    const objs = parseYamlFile(join(EXAMPLES, "consumer-deployment.yaml"));
    assert.equal(objs.length, 1);
    const example = findOne(objs, "Deployment", "orders-consumer");
    validateObject(example);
    const fromChart = findOne(rendered, "Deployment", "orders-consumer");
    assert.deepEqual(
      container(example, "pulsar-push-scaler-sidecar"),
      container(fromChart, "pulsar-push-scaler-sidecar"),
    );
    assert.deepEqual(podTemplate(example).spec.volumes, podTemplate(fromChart).spec.volumes);
    assert.deepEqual(podTemplate(example).metadata.labels, podTemplate(fromChart).metadata.labels);
    // And it points at what the chart installs for that release.
    const secret = findOne(hub, "Secret");
    const tokenVolume = podTemplate(example).spec.volumes?.find((v) => v.name === "pps-hub-token");
    assert.equal(tokenVolume?.secret?.secretName, secret.metadata.name);
  });

  void test("scaledobject.yaml is a valid external-push ScaledObject aimed at the hub", () => {
    const objs = parseYamlFile(join(EXAMPLES, "scaledobject.yaml"));
    const so = findOne(objs, "ScaledObject", "orders-consumer");
    validateObject(so);
    const spec = so.spec as ScaledObjectSpec;
    assert.equal(spec.minReplicaCount, 0);
    assert.equal(spec.scaleTargetRef.name, "orders-consumer");
    const [trigger] = spec.triggers;
    assert.equal(trigger?.type, "external-push");
    const svc = findOne(hub, "Service");
    assert.equal(trigger.metadata.scalerAddress, `${svc.metadata.name}.${NAMESPACE}.svc.cluster.local:9090`);
    for (const key of ["topic", "subscription", "msgBacklogThreshold", "activationMsgBacklogThreshold"]) {
      assert.ok(trigger.metadata[key], `metadata.${key}`);
    }
    // adminURL must match a configured cluster: the chart's default one here.
    const hubEnv = container(findOne(hub, "Deployment"), "hub").env ?? [];
    const adminUrl = hubEnv.find((e) => e.name === "PPS_PULSAR_ADMIN_URL")?.value;
    assert.equal(trigger.metadata.adminURL, adminUrl);
    // The watched pair of the example consumer is the trigger's.
    const deploy = findOne(parseYamlFile(join(EXAMPLES, "consumer-deployment.yaml")), "Deployment");
    const watch = container(deploy, "pulsar-push-scaler-sidecar").env?.find((e) => e.name === "PPS_WATCH");
    assert.equal(watch?.value, `${trigger.metadata.topic}:${trigger.metadata.subscription}`);
  });

  void test("migrate-from-pulsar.md: valid objects; the external-push trigger keeps the pulsar trigger's keys", () => {
    const md = readFileSync(join(EXAMPLES, "migrate-from-pulsar.md"), "utf8");
    const blocks = yamlBlocks(md);
    assert.ok(blocks.length >= 3);
    const objs = blocks.flatMap((b) => {
      const docs = parseManifests(b);
      return docs.every((d) => typeof d.kind === "string") ? docs : [];
    });
    for (const o of objs) validateObject(o);
    const triggers = triggersOf(objs);
    const pulsar = triggers.find((t) => t.type === "pulsar");
    const push = triggers.find((t) => t.type === "external-push");
    assert.ok(pulsar && push);
    assert.equal(push.authenticationRef, undefined, "no TriggerAuthentication for Pulsar credentials");
    const authKeys = new Set(["authModes"]);
    for (const [k, v] of Object.entries(pulsar.metadata)) {
      if (!authKeys.has(k)) assert.equal(push.metadata[k], v, `metadata.${k} carried over`);
    }
    assert.match(push.metadata.scalerAddress ?? "", /^[a-z0-9-]+\.[a-z0-9-]+\.svc\.cluster\.local:9090$/);
    // The `cluster:` variant is a bare triggers list.
    const clusterBlock = blocks
      .flatMap((b) => parseManifests(b) as unknown as { triggers?: Trigger[] }[])
      .find((b) => b.triggers?.[0]?.metadata.cluster);
    assert.ok(clusterBlock, "a trigger using `cluster:`");
    assert.equal(clusterBlock.triggers?.[0]?.metadata.adminURL, undefined);
  });
});

void describe("chart README", () => {
  void test("the plain-YAML sidecar snippet equals the named template's output", () => {
    const md = readFileSync(join(CHART, "README.md"), "utf8");
    const at = md.indexOf("<!-- sidecar-snippet");
    assert.ok(at >= 0, "sidecar-snippet marker");
    const [block] = yamlBlocks(md.slice(at));
    const snippet = parsePlainYaml(block ?? "") as { containers: unknown[]; volumes: unknown[] };
    const pod: PodTemplate = podTemplate(
      findOne(
        templateConsumerChart({ release: RELEASE, namespace: NAMESPACE }),
        "Deployment",
        "orders-consumer",
      ),
    );
    assert.deepEqual(snippet.containers, [
      pod.spec.containers.find((c) => c.name === "pulsar-push-scaler-sidecar"),
    ]);
    assert.deepEqual(snippet.volumes, pod.spec.volumes);
  });

  void test("the root README's sidecar snippet uses the token path the chart mounts", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const sidecar = container(
      findOne(
        templateConsumerChart({ release: RELEASE, namespace: NAMESPACE }),
        "Deployment",
        "orders-consumer",
      ),
      "pulsar-push-scaler-sidecar",
    );
    const tokenFile = sidecar.env?.find((e) => e.name === "PPS_HUB_TOKEN_FILE")?.value ?? "";
    assert.ok(tokenFile !== "");
    const inReadme = /name: PPS_HUB_TOKEN_FILE, value: (\S+) \}/.exec(readme)?.[1];
    assert.equal(inReadme, tokenFile);
  });

  void test("documents every key of values.yaml", () => {
    const md = readFileSync(join(CHART, "README.md"), "utf8");
    const documented = new Set(
      [...md.matchAll(/^\| `([^`]+)`(?: \/ `([^`]+)`)*/gm)].flatMap((m) =>
        [...m[0].matchAll(/`([^`]+)`/g)].map((x) => x[1] ?? ""),
      ),
    );
    const values = parsePlainYaml(readFileSync(join(CHART, "values.yaml"), "utf8"));
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      const covered = [...documented].some((d) => path === d || path.startsWith(`${d}.`));
      if (covered) return;
      if (Array.isArray(node) && node.length > 0 && typeof node[0] === "object")
        return walk(node[0], `${path}[]`);
      if (node !== null && typeof node === "object" && !Array.isArray(node) && Object.keys(node).length > 0) {
        for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
        return;
      }
      missing.push(path);
    };
    walk(values, "");
    assert.deepEqual(missing, []);
  });
});
