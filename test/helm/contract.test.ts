/**
 * The chart and the program agree: the environment and the clusters file the chart renders are
 * parsed by the program's own config schemas (src/hub/config.ts, src/pulsar/cluster-schema.ts)
 * without a problem, and every file they name is one a volume of the pod provides.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { loadConfig } from "../../src/lib/config.js";
import { clusterSchema, clustersFromConfig, type ClusterFileIo } from "../../src/pulsar/cluster-schema.js";
import { loadHubConfig } from "../../src/hub/config.js";
import {
  ALL_FEATURES,
  assertHelmPresent,
  container,
  findOne,
  podTemplate,
  resolveMountedFile,
  template,
  templateConsumerChart,
  volumeFiles,
  type Container,
  type K8sObject,
  type PodSpec,
  type RenderOptions,
} from "./render.js";

/** The container's env as the process would see it (downward API values stand in). */
function processEnv(c: Container): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const e of c.env ?? [])
    env[e.name] = e.value ?? `from-${e.valueFrom?.fieldRef?.fieldPath ?? "secret"}`;
  return env;
}

/** The pod's filesystem as far as mounted volumes go: ConfigMap content, Secret files exist. */
function podFiles(objs: readonly K8sObject[], pod: PodSpec, c: Container): ClusterFileIo {
  const lookup = (path: string) => {
    const found = resolveMountedFile(pod, c, path);
    if (!found) return undefined;
    if (found.volume.configMap) {
      const cm = findOne(objs, "ConfigMap", found.volume.configMap.name) as K8sObject & {
        data: Record<string, string>;
      };
      return cm.data[found.relPath];
    }
    return volumeFiles(found.volume).includes(found.relPath) ? "secret-file-content" : undefined;
  };
  return {
    exists: (p) => lookup(p) !== undefined,
    readFile: (p) => {
      const content = lookup(p);
      if (content === undefined) throw new Error(`ENOENT: ${p} is not in the pod`);
      return content;
    },
  };
}

function clustersOf(objs: readonly K8sObject[], deploymentName: string | undefined, containerName: string) {
  const deploy = findOne(objs, "Deployment", deploymentName);
  const c = container(deploy, containerName);
  const io = podFiles(objs, podTemplate(deploy).spec, c);
  const parsed = loadConfig(clusterSchema, [], processEnv(c), (cfg, checks) =>
    clustersFromConfig(cfg, checks, io),
  );
  assert.equal(parsed.help, false);
  if (parsed.help) throw new Error("unreachable");
  return parsed.config;
}

function hubClusters(o: RenderOptions) {
  const objs = template(o);
  const hub = container(findOne(objs, "Deployment"), "hub");
  // Throws a ConfigError listing every problem of the hub's whole configuration, clusters included.
  const parsed = loadHubConfig(
    [],
    processEnv(hub),
    podFiles(objs, podTemplate(findOne(objs, "Deployment")).spec, hub),
  );
  if (parsed.help) throw new Error("unexpected help");
  return clustersOf(objs, undefined, "hub");
}

before(() => assertHelmPresent());

void describe("the hub program accepts what the chart renders", () => {
  void test("default values: one cluster from PPS_PULSAR_*", () => {
    const clusters = hubClusters({});
    assert.deepEqual(
      clusters.map((c) => [c.name, c.auth.kind, c.adminUrl, c.wsUrl]),
      [
        [
          "default",
          "none",
          "http://pulsar-broker.pulsar.svc.cluster.local:8080",
          "ws://pulsar-broker.pulsar.svc.cluster.local:8080",
        ],
      ],
    );
  });

  for (const [kind, set] of [
    ["token", ["tokenSecret.name=t"]],
    ["basic", ["basic.username=u", "basic.passwordSecret.name=p"]],
    ["tls", ["tlsSecret.name=c", "caSecret.name=c"]],
    ["oauth2", ["oauth2.credentialsSecret.name=o", "oauth2.issuerUrl=https://auth.example.com"]],
  ] as const) {
    void test(`one cluster with auth ${kind}, credentials mounted from Secrets`, () => {
      const clusters = hubClusters({
        set: [
          "pulsar.clusters[0].adminUrl=https://pulsar.example.com:8443",
          `pulsar.clusters[0].auth=${kind}`,
          ...set.map((s) => `pulsar.clusters[0].${s}`),
        ],
      });
      assert.equal(clusters.length, 1);
      assert.equal(clusters[0]?.auth.kind, kind);
    });
  }

  void test("every optional feature: the clusters file with each auth kind, and gRPC TLS files", () => {
    const clusters = hubClusters({ valuesFiles: [ALL_FEATURES] });
    assert.deepEqual(
      clusters.map((c) => [c.name, c.auth.kind]),
      [
        ["plain", "none"],
        ["token", "token"],
        ["basic", "basic"],
        ["mtls", "tls"],
        ["oauth", "oauth2"],
      ],
    );
    assert.equal(clusters[0]?.requestTimeoutMs, 3000);
    const objs = template({ valuesFiles: [ALL_FEATURES] });
    const deploy = findOne(objs, "Deployment");
    const hub = container(deploy, "hub");
    for (const e of hub.env ?? []) {
      if (!e.name.startsWith("PPS_GRPC_TLS_")) continue;
      assert.ok(podFiles(objs, podTemplate(deploy).spec, hub).exists(e.value ?? ""), `${e.name} mounted`);
    }
  });
});

void describe("the sidecar accepts the cluster settings the named template renders", () => {
  void test("one cluster", () => {
    const objs = templateConsumerChart({ release: "shop", namespace: "orders" });
    const clusters = clustersOf(objs, "orders-consumer", "pulsar-push-scaler-sidecar");
    assert.deepEqual(
      clusters.map((c) => c.name),
      ["default"],
    );
  });

  void test("several clusters through the clusters file", () => {
    const objs = templateConsumerChart({
      release: "shop",
      namespace: "orders",
      set: [
        "pulsar-push-scaler.pulsar.clusters[0].name=a",
        "pulsar-push-scaler.pulsar.clusters[0].adminUrl=http://a:8080",
        "pulsar-push-scaler.pulsar.clusters[1].name=b",
        "pulsar-push-scaler.pulsar.clusters[1].adminUrl=https://b:8443",
        "pulsar-push-scaler.pulsar.clusters[1].auth=token",
        "pulsar-push-scaler.pulsar.clusters[1].tokenSecret.name=b-token",
      ],
    });
    const clusters = clustersOf(objs, "orders-consumer", "pulsar-push-scaler-sidecar");
    assert.deepEqual(
      clusters.map((c) => [c.name, c.auth.kind]),
      [
        ["a", "none"],
        ["b", "token"],
      ],
    );
  });
});
