/**
 * The Helm chart, checked with the real Helm binary (`node scripts/fetch-helm.mjs` puts it at
 * .tools/helm; a missing binary fails these tests). Every rendered object is validated against the
 * Kubernetes schemas of kubernetes-models.
 */
import { test, describe, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ALL_FEATURES,
  CHART,
  TEST_TOKEN,
  assertHelmPresent,
  container,
  envOf,
  findOne,
  helm,
  lint,
  parsePlainYaml,
  podTemplate,
  renderNotes,
  resolveMountedFile,
  template,
  templateConsumerChart,
  validateObject,
  volumeFiles,
  type Container,
  type K8sObject,
  type PodSpec,
} from "./render.js";

const NON_ROOT_UID = 10001;

function assertHardened(c: Container, pod?: PodSpec): void {
  const sc = c.securityContext ?? {};
  assert.equal(sc.runAsNonRoot, true, `${c.name}: runAsNonRoot`);
  assert.equal(sc.runAsUser, NON_ROOT_UID, `${c.name}: runAsUser`);
  assert.equal(sc.readOnlyRootFilesystem, true, `${c.name}: readOnlyRootFilesystem`);
  assert.equal(sc.allowPrivilegeEscalation, false, `${c.name}: allowPrivilegeEscalation`);
  assert.deepEqual(
    (sc.capabilities as { drop?: string[] } | undefined)?.drop,
    ["ALL"],
    `${c.name}: drop ALL`,
  );
  assert.deepEqual(sc.seccompProfile, { type: "RuntimeDefault" }, `${c.name}: seccomp`);
  if (pod) {
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.runAsUser, NON_ROOT_UID);
    assert.deepEqual(pod.securityContext?.seccompProfile, { type: "RuntimeDefault" });
  }
  const tmp = (c.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
  assert.ok(tmp, `${c.name}: /tmp must be a writable emptyDir (root filesystem is read-only)`);
  const vol = (pod?.volumes ?? []).find((v) => v.name === tmp.name);
  if (pod) assert.ok(vol?.emptyDir, `${c.name}: /tmp volume must be an emptyDir`);
}

/** Each mount names a volume of the pod; each Service port targets a named container port; etc. */
function assertWiredUp(objs: readonly K8sObject[]): void {
  const deploy = findOne(objs, "Deployment");
  const pod = podTemplate(deploy);
  const hub = container(deploy, "hub");
  const volumes = new Set((pod.spec.volumes ?? []).map((v) => v.name));
  for (const m of hub.volumeMounts ?? []) assert.ok(volumes.has(m.name), `mount ${m.name} has no volume`);
  const names = (hub.env ?? []).map((e) => e.name);
  assert.equal(new Set(names).size, names.length, `duplicate env names: ${names.join(",")}`);

  const svc = findOne(objs, "Service");
  const spec = svc.spec as {
    selector: Record<string, string>;
    ports: { name: string; targetPort: string }[];
  };
  for (const [k, v] of Object.entries(spec.selector))
    assert.equal(pod.metadata.labels[k], v, `selector ${k}`);
  const portNames = new Set((hub.ports ?? []).map((p) => p.name));
  for (const p of spec.ports) assert.ok(portNames.has(p.targetPort), `Service targetPort ${p.targetPort}`);

  const sa = objs.find((o) => o.kind === "ServiceAccount");
  if (sa) assert.equal(pod.spec.serviceAccountName, sa.metadata.name);

  // Every *_FILE the hub is told about is a file some mounted volume provides.
  for (const e of hub.env ?? []) {
    if (!e.name.endsWith("_FILE") || e.value === undefined) continue;
    const found = resolveMountedFile(pod.spec, hub, e.value);
    assert.ok(found, `${e.name}=${e.value} is not under any volume mount`);
    if (found.volume.configMap) continue;
    assert.ok(
      volumeFiles(found.volume).includes(found.relPath),
      `${e.name}: ${found.relPath} not in its volume`,
    );
  }
}

before(() => assertHelmPresent());

void describe("chart metadata", () => {
  void test("image.tag equals the chart appVersion, which is 0.1.0", () => {
    const chart = parsePlainYaml(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as Record<string, string>;
    const values = parsePlainYaml(readFileSync(join(CHART, "values.yaml"), "utf8")) as {
      image: { tag: string };
    };
    assert.equal(chart.apiVersion, "v2");
    assert.equal(chart.appVersion, "0.1.0");
    assert.equal(values.image.tag, chart.appVersion);
  });

  void test("values.schema.json is draft-07 and closes every object", () => {
    const schema = JSON.parse(readFileSync(join(CHART, "values.schema.json"), "utf8")) as Record<
      string,
      unknown
    >;
    assert.equal(schema.$schema, "http://json-schema.org/draft-07/schema#");
    const open: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
      if (node === null || typeof node !== "object") return;
      const o = node as Record<string, unknown>;
      // `global` is Helm's shared parent-chart values: it must stay open for use as a subchart.
      if (o.type === "object" && o.additionalProperties === undefined && path !== "/properties/global") {
        open.push(path);
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${path}/${k}`);
    };
    walk(schema, "");
    assert.deepEqual(open, [], "objects without additionalProperties");
  });
});

void describe("helm lint --strict", () => {
  void test("passes with default values", () => {
    const r = lint();
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  void test("passes with every optional feature on", () => {
    const r = lint({ valuesFiles: [ALL_FEATURES] });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  void test("accepts --set replicaCount=2 and rejects the misspelled --set replicaCont=2", () => {
    const ok = lint({ set: ["replicaCount=2"] });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    const bad = lint({ set: ["replicaCont=2"] });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout + bad.stderr, /replicaCont/);
  });

  void test("rejects misspelled nested keys and wrong types", () => {
    for (const set of [
      "networkPolicy.kedaNamespce=keda",
      "service.headles=true",
      "pulsar.clusters[0].adminURL=http://x:8080",
      "securityContext.runAsUsr=1",
      "replicaCount=two",
      "hub.logLevel=loud",
    ]) {
      const r = lint({ set: [set] });
      assert.notEqual(r.status, 0, `--set ${set} should fail lint`);
    }
  });

  void test("rejects an auth kind without its Secret reference", () => {
    for (const [auth, field] of [
      ["token", "tokenSecret"],
      ["basic", "basic"],
      ["tls", "tlsSecret"],
      ["oauth2", "oauth2"],
    ] as const) {
      const r = lint({
        set: [`pulsar.clusters[0].adminUrl=http://p:8080`, `pulsar.clusters[0].auth=${auth}`],
      });
      assert.notEqual(r.status, 0, `auth=${auth} without ${field} should fail`);
      assert.match(r.stdout, new RegExp(`${field} is required`));
    }
  });

  void test("rejects HTTP TLS without a Secret", () => {
    const tls = lint({ set: ["httpTls.enabled=true"] });
    assert.notEqual(tls.status, 0);
    assert.match(tls.stdout, /httpTls\.secretName/);
  });

  void test("rejects arrivals=binary without a serviceUrl, and a service URL of another scheme", () => {
    const admin = "pulsar.clusters[0].adminUrl=http://p:8080";
    const binary = lint({ set: [admin, "pulsar.clusters[0].arrivals=binary"] });
    assert.notEqual(binary.status, 0);
    assert.match(binary.stdout, /serviceUrl is required/);
    for (const set of ["pulsar.clusters[0].serviceUrl=http://p:6650", "pulsar.clusters[0].arrivals=tcp"]) {
      assert.notEqual(lint({ set: [admin, set] }).status, 0, `--set ${set} should fail lint`);
    }
    const ok = lint({
      set: [admin, "pulsar.clusters[0].serviceUrl=pulsar://p:6650", "pulsar.clusters[0].arrivals=binary"],
    });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  });

  void test("rejects gRPC TLS without a Secret", () => {
    const tls = lint({ set: ["grpcTls.enabled=true"] });
    assert.notEqual(tls.status, 0);
    assert.match(tls.stdout, /grpcTls\.secretName/);
  });

  void test("install/template refuses two clusters with the same name", () => {
    // `fail` is only informational under `helm lint`; `helm template` (like install) stops.
    const set = [
      "pulsar.clusters[0].name=a",
      "pulsar.clusters[0].adminUrl=http://p:8080",
      "pulsar.clusters[1].name=a",
      "pulsar.clusters[1].adminUrl=http://q:8080",
    ];
    const r = helm([
      "template",
      "pps",
      CHART,
      "--set",
      `sidecarToken.value=${TEST_TOKEN}`,
      ...set.flatMap((x) => ["--set", x]),
    ]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /the name "a" is used more than once/);
  });
});

void describe("helm template with default values", () => {
  let objs: K8sObject[];
  before(() => {
    objs = template({ release: "pps", namespace: "team-a" });
  });

  void test("renders exactly the default objects, each valid", () => {
    assert.deepEqual(objs.map((o) => o.kind).sort(), ["Deployment", "Secret", "Service", "ServiceAccount"]);
    for (const o of objs) validateObject(o);
    for (const o of objs) assert.equal(o.metadata.namespace, "team-a", `${o.kind} namespace`);
    assertWiredUp(objs);
  });

  void test("probes are native gRPC probes on 9090 with the liveness and readiness services", () => {
    const hub = container(findOne(objs, "Deployment"), "hub");
    assert.deepEqual(hub.livenessProbe?.grpc, { port: 9090, service: "liveness" });
    assert.deepEqual(hub.readinessProbe?.grpc, { port: 9090, service: "readiness" });
  });

  void test("the hub runs non-root with a read-only root filesystem and an emptyDir /tmp", () => {
    const deploy = findOne(objs, "Deployment");
    assertHardened(container(deploy, "hub"), podTemplate(deploy).spec);
    assert.equal(
      (podTemplate(deploy).spec as { automountServiceAccountToken?: boolean }).automountServiceAccountToken,
      false,
    );
  });

  void test("env: ports, POD_NAMESPACE from the downward API, one cluster as PPS_PULSAR_*", () => {
    const hub = container(findOne(objs, "Deployment"), "hub");
    assert.deepEqual(hub.args, ["hub"]);
    const env = envOf(hub);
    assert.equal(env.get("PPS_GRPC_PORT")?.value, "9090");
    assert.equal(env.get("PPS_HTTP_PORT")?.value, "8080");
    assert.equal(env.get("POD_NAMESPACE")?.valueFrom?.fieldRef?.fieldPath, "metadata.namespace");
    assert.equal(env.get("PPS_NAMESPACES"), undefined, "default: the hub's own namespace");
    assert.equal(env.get("PPS_PULSAR_CLUSTER_NAME")?.value, "default");
    assert.equal(env.get("PPS_PULSAR_AUTH")?.value, "none");
    assert.match(env.get("PPS_PULSAR_ADMIN_URL")?.value ?? "", /^http:\/\//);
    assert.match(env.get("PPS_PULSAR_WS_URL")?.value ?? "", /^ws:\/\//);
    assert.equal(env.get("PPS_PULSAR_ARRIVALS")?.value, "auto");
    assert.equal(env.get("PPS_PULSAR_SERVICE_URL"), undefined, "no service URL unless one is given");
    assert.equal(env.get("PPS_CLUSTERS_FILE"), undefined);
    assert.equal(env.get("PPS_SIDECAR_TOKEN_FILE")?.value, "/var/run/pulsar-push-scaler/sidecar-token/token");
    assert.equal(env.get("NODE_OPTIONS")?.value, "--max-old-space-size=128 --max-semi-space-size=2");
  });

  void test("hub.nodeOptions: set as NODE_OPTIONS, left out when empty", () => {
    const hubEnv = (set: string[]) => envOf(container(findOne(template({ set }), "Deployment"), "hub"));
    assert.equal(
      hubEnv(["hub.nodeOptions=--max-old-space-size=200"]).get("NODE_OPTIONS")?.value,
      "--max-old-space-size=200",
    );
    assert.equal(hubEnv(["hub.nodeOptions="]).get("NODE_OPTIONS"), undefined);
  });

  void test("Service: grpc 9090 and http 8080, not headless", () => {
    const spec = findOne(objs, "Service").spec as {
      clusterIP?: string;
      ports: { name: string; port: number }[];
    };
    assert.deepEqual(
      spec.ports.map((p) => [p.name, p.port]),
      [
        ["grpc", 9090],
        ["http", 8080],
      ],
    );
    assert.equal(spec.clusterIP, undefined);
  });

  void test("the sidecar token Secret holds the given token, the same on every render", () => {
    const secret = findOne(objs, "Secret") as K8sObject & { data: Record<string, string> };
    assert.equal(secret.metadata.name, "pps-pulsar-push-scaler-sidecar-token");
    const token = Buffer.from(secret.data.token ?? "", "base64").toString("utf8");
    assert.equal(token, TEST_TOKEN);
    const again = findOne(template({ release: "pps", namespace: "team-a" }), "Secret") as typeof secret;
    assert.equal(again.data.token, secret.data.token, "stable without a cluster to look up");
  });

  void test("no PDB with one replica; a PDB with two", () => {
    assert.equal(
      objs.find((o) => o.kind === "PodDisruptionBudget"),
      undefined,
    );
    const two = template({ set: ["replicaCount=2"] });
    const pdb = findOne(two, "PodDisruptionBudget");
    validateObject(pdb);
    assert.equal((pdb.spec as { minAvailable: number }).minAvailable, 1);
  });

  void test("`--set pulsar.clusters[0].adminUrl=...` alone is a complete configuration", () => {
    const one = template({ set: ["pulsar.clusters[0].adminUrl=https://pulsar.example.com:8443"] });
    const env = envOf(container(findOne(one, "Deployment"), "hub"));
    assert.equal(env.get("PPS_PULSAR_CLUSTER_NAME")?.value, "default");
    assert.equal(env.get("PPS_PULSAR_ADMIN_URL")?.value, "https://pulsar.example.com:8443");
    assert.equal(env.get("PPS_PULSAR_WS_URL")?.value, "wss://pulsar.example.com:8443");
    assert.equal(env.get("PPS_PULSAR_AUTH")?.value, "none");
  });

  void test("a single cluster's serviceUrl and arrivals become PPS_PULSAR_SERVICE_URL and PPS_PULSAR_ARRIVALS", () => {
    const one = template({
      set: [
        "pulsar.clusters[0].adminUrl=http://p:8080",
        "pulsar.clusters[0].serviceUrl=pulsar://p:6650",
        "pulsar.clusters[0].arrivals=binary",
      ],
    });
    const env = envOf(container(findOne(one, "Deployment"), "hub"));
    assert.equal(env.get("PPS_PULSAR_SERVICE_URL")?.value, "pulsar://p:6650");
    assert.equal(env.get("PPS_PULSAR_ARRIVALS")?.value, "binary");
  });

  void test("a single token cluster gets PPS_PULSAR_TOKEN_FILE from a mounted Secret", () => {
    const one = template({
      set: [
        "pulsar.clusters[0].adminUrl=http://p:8080",
        "pulsar.clusters[0].auth=token",
        "pulsar.clusters[0].tokenSecret.name=pulsar-token",
      ],
    });
    for (const o of one) validateObject(o);
    assertWiredUp(one);
    const deploy = findOne(one, "Deployment");
    const env = envOf(container(deploy, "hub"));
    assert.equal(env.get("PPS_PULSAR_TOKEN_FILE")?.value, "/var/run/pulsar-push-scaler/pulsar/default/token");
    const vol = podTemplate(deploy).spec.volumes?.find((v) => v.name === "pps-cluster-0");
    assert.deepEqual(vol?.projected?.sources, [
      { secret: { name: "pulsar-token", items: [{ key: "token", path: "token" }] } },
    ]);
  });
});

void describe("helm template with every optional feature on", () => {
  let objs: K8sObject[];
  before(() => {
    objs = template({ release: "pps", namespace: "team-a", valuesFiles: [ALL_FEATURES] });
  });

  void test("every rendered object is valid", () => {
    assert.deepEqual(objs.map((o) => o.kind).sort(), [
      "ConfigMap",
      "Deployment",
      "NetworkPolicy",
      "PodDisruptionBudget",
      "Service",
      "ServiceAccount",
      "ServiceMonitor",
    ]);
    for (const o of objs) validateObject(o);
    assertWiredUp(objs);
    assertHardened(
      container(findOne(objs, "Deployment"), "hub"),
      podTemplate(findOne(objs, "Deployment")).spec,
    );
  });

  void test("headless Service", () => {
    assert.equal((findOne(objs, "Service").spec as { clusterIP?: string }).clusterIP, "None");
  });

  void test("existingSecret: no Secret rendered, the hub mounts the named one", () => {
    assert.equal(
      objs.find((o) => o.kind === "Secret"),
      undefined,
    );
    const vol = podTemplate(findOne(objs, "Deployment")).spec.volumes?.find(
      (v) => v.name === "sidecar-token",
    );
    assert.equal(vol?.secret?.secretName, "my-sidecar-token");
    assert.deepEqual(vol?.secret?.items, [{ key: "bearer", path: "token" }]);
  });

  void test("gRPC TLS: cert, key and client CA files; probes fall back to HTTP (kubelet gRPC probes have no TLS)", () => {
    const hub = container(findOne(objs, "Deployment"), "hub");
    const env = envOf(hub);
    assert.ok(env.get("PPS_GRPC_TLS_CERT_FILE"));
    assert.ok(env.get("PPS_GRPC_TLS_KEY_FILE"));
    assert.ok(env.get("PPS_GRPC_TLS_CLIENT_CA_FILE"));
    // httpTls is on too: the HTTP probes speak HTTPS.
    assert.deepEqual(hub.livenessProbe?.httpGet, { path: "/healthz", port: "http", scheme: "HTTPS" });
    assert.deepEqual(hub.readinessProbe?.httpGet, { path: "/readyz", port: "http", scheme: "HTTPS" });
  });

  void test("HTTP TLS: cert, key and sidecar client CA files mounted; ServiceMonitor scrapes https", () => {
    const deploy = findOne(objs, "Deployment");
    const pod = podTemplate(deploy).spec;
    const hub = container(deploy, "hub");
    const env = envOf(hub);
    for (const [name, secret] of [
      ["PPS_HTTP_TLS_CERT_FILE", "hub-http-tls"],
      ["PPS_HTTP_TLS_KEY_FILE", "hub-http-tls"],
      ["PPS_HTTP_TLS_CLIENT_CA_FILE", "sidecar-client-ca"],
    ] as const) {
      const found = resolveMountedFile(pod, hub, env.get(name)?.value ?? "");
      assert.ok(found, `${name} is not mounted`);
      const source = found.volume.projected?.sources.find((src) =>
        src.secret.items.some((i) => i.path === found.relPath),
      );
      assert.equal(source?.secret.name, secret, name);
    }
    const sm = findOne(objs, "ServiceMonitor").spec as {
      endpoints: { scheme: string; tlsConfig: { serverName: string; ca: { secret: { name: string } } } }[];
    };
    assert.equal(sm.endpoints[0]?.scheme, "https");
    assert.match(sm.endpoints[0]?.tlsConfig.serverName ?? "", /\.team-a\.svc\.cluster\.local$/);
    assert.equal(sm.endpoints[0]?.tlsConfig.ca.secret.name, "hub-http-tls");
  });

  void test("several clusters: a clusters file with each auth kind, every credential file mounted", () => {
    const deploy = findOne(objs, "Deployment");
    const pod = podTemplate(deploy).spec;
    const hub = container(deploy, "hub");
    const env = envOf(hub);
    assert.equal(env.get("PPS_CLUSTERS_FILE")?.value, "/etc/pulsar-push-scaler/clusters.yaml");
    assert.equal(env.get("PPS_PULSAR_ADMIN_URL"), undefined);
    assert.ok(podTemplate(deploy).metadata.annotations?.["checksum/clusters"]);
    const cm = findOne(objs, "ConfigMap") as K8sObject & { data: Record<string, string> };
    // The program's own parser accepts this file: test/helm/contract.test.ts.
    const clusters = parsePlainYaml(cm.data["clusters.yaml"] ?? "") as Record<string, string | number>[];
    assert.deepEqual(
      clusters.map((c) => [c.name, c.auth]),
      [
        ["plain", "none"],
        ["token", "token"],
        ["basic", "basic"],
        ["mtls", "tls"],
        ["oauth", "oauth2"],
      ],
    );
    const byName = new Map(clusters.map((c) => [c.name, c]));
    assert.equal(byName.get("plain")?.requestTimeoutMs, 3000);
    assert.equal(byName.get("token")?.wsUrl, "wss://pulsar-proxy-a.example.com:8443");
    assert.equal(byName.get("basic")?.wsUrl, "wss://pulsar-b.example.com:8443", "derived from adminUrl");
    assert.equal(byName.get("basic")?.basicUsername, "consumer");
    assert.deepEqual(
      clusters.map((c) => [c.name, c.serviceUrl, c.arrivals]),
      [
        ["plain", "pulsar://pulsar-broker.pulsar.svc.cluster.local:6650", "auto"],
        ["token", undefined, "websocket"],
        ["basic", undefined, "auto"],
        ["mtls", "pulsar+ssl://pulsar-c.example.com:6651", "binary"],
        ["oauth", undefined, "auto"],
      ],
    );
    assert.equal(byName.get("oauth")?.oauth2IssuerUrl, "https://auth.example.com/");
    // Every file path in the clusters file is provided by a mounted volume.
    const files = clusters.flatMap((c) =>
      Object.entries(c)
        .filter(([k]) => k.endsWith("File"))
        .map(([, v]) => String(v)),
    );
    assert.equal(files.length, 7);
    for (const f of files) {
      const found = resolveMountedFile(pod, hub, f);
      assert.ok(found, `${f} is not mounted`);
      assert.ok(volumeFiles(found.volume).includes(found.relPath), `${f} not in volume ${found.volume.name}`);
    }
    // Credentials only by reference: no Secret is rendered for them.
    assert.equal(objs.filter((o) => o.kind === "Secret").length, 0);
  });

  void test("NetworkPolicy: gRPC from the KEDA namespace, HTTP from sidecar-labelled pods", () => {
    const np = findOne(objs, "NetworkPolicy").spec as {
      policyTypes: string[];
      ingress: {
        from: Record<string, { matchLabels: Record<string, string> }>[];
        ports: { port: number }[];
      }[];
    };
    assert.deepEqual(np.policyTypes, ["Ingress"]);
    const [keda, sidecars, extra] = np.ingress;
    assert.deepEqual(keda?.from, [
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda-system" } } },
    ]);
    assert.deepEqual(
      keda?.ports.map((p) => p.port),
      [9090],
    );
    assert.deepEqual(sidecars?.from, [
      { podSelector: { matchLabels: { "pulsar-push-scaler/sidecar": "true" } } },
    ]);
    assert.deepEqual(
      sidecars?.ports.map((p) => p.port),
      [8080],
    );
    assert.ok(extra, "extraIngress appended");
  });

  void test("ServiceMonitor scrapes /metrics on the Service's http port", () => {
    const sm = findOne(objs, "ServiceMonitor");
    const svc = findOne(objs, "Service");
    assert.equal(sm.metadata.namespace, "monitoring");
    assert.equal(sm.metadata.labels?.release, "kube-prometheus-stack");
    const spec = sm.spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
      namespaceSelector: { matchNames: string[] };
    };
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(svc.metadata.labels?.[k], v);
    assert.deepEqual(spec.namespaceSelector.matchNames, ["team-a"]);
    const ports = (svc.spec as { ports: { name: string }[] }).ports.map((p) => p.name);
    assert.ok(ports.includes(spec.endpoints[0]?.port ?? ""));
    assert.equal(spec.endpoints[0]?.path, "/metrics");
  });

  void test("PDB uses maxUnavailable when set", () => {
    const pdb = findOne(objs, "PodDisruptionBudget").spec as {
      maxUnavailable?: number;
      minAvailable?: number;
    };
    assert.equal(pdb.maxUnavailable, 1);
    assert.equal(pdb.minAvailable, undefined);
  });

  void test("image digest wins over the tag; hub namespaces are passed on", () => {
    const hub = container(findOne(objs, "Deployment"), "hub");
    assert.match(hub.image, /^registry\.example\.com\/pulsar-push-scaler@sha256:[0-9a-f]{64}$/);
    assert.equal(envOf(hub).get("PPS_NAMESPACES")?.value, "team-a,team-b");
  });
});

void describe("NOTES.txt", () => {
  void test("tells the scalerAddress and how to add the sidecar", () => {
    const notes = renderNotes({ release: "pps", namespace: "team-a" });
    assert.match(notes, /scalerAddress: pps-pulsar-push-scaler\.team-a\.svc\.cluster\.local:9090/);
    assert.match(notes, /type: external-push/);
    assert.match(notes, /include "pulsar-push-scaler\.sidecar"/);
    assert.match(notes, /ws:\/\/pps-pulsar-push-scaler\.team-a\.svc\.cluster\.local:8080\/v1\/sidecars/);
    assert.match(notes, /Secret pps-pulsar-push-scaler-sidecar-token/);
  });

  void test("with several clusters, suggests `cluster:`; with TLS, enableTLS", () => {
    const notes = renderNotes({ release: "pps", namespace: "team-a", valuesFiles: [ALL_FEATURES] });
    assert.match(notes, /cluster: plain/);
    assert.match(notes, /enableTLS: "true"/);
    assert.match(notes, /pulsar-push-scaler\/sidecar=true/);
  });
});

void describe("named template pulsar-push-scaler.sidecar (from a consumer chart)", () => {
  void test("renders a hardened sidecar wired to the hub Service and token Secret", () => {
    const objs = templateConsumerChart({ release: "shop", namespace: "orders" });
    for (const o of objs) validateObject(o);
    const consumer = findOne(objs, "Deployment", "orders-consumer");
    const hubSvc = findOne(objs, "Service");
    const tokenSecret = findOne(objs, "Secret");
    const pod = podTemplate(consumer);
    const sidecar = container(consumer, "pulsar-push-scaler-sidecar");
    assert.deepEqual(sidecar.args, ["sidecar"]);
    assertHardened(sidecar, undefined);
    const env = envOf(sidecar);
    assert.equal(
      env.get("PPS_HUB_URL")?.value,
      `ws://${hubSvc.metadata.name}.orders.svc.cluster.local:8080/v1/sidecars`,
    );
    assert.equal(env.get("POD_NAME")?.valueFrom?.fieldRef?.fieldPath, "metadata.name");
    assert.equal(env.get("POD_NAMESPACE")?.valueFrom?.fieldRef?.fieldPath, "metadata.namespace");
    assert.equal(env.get("PPS_WATCH")?.value, "persistent://public/default/orders:orders-workers");
    const tokenFile = env.get("PPS_HUB_TOKEN_FILE")?.value ?? "";
    const mounted = resolveMountedFile(pod.spec, sidecar, tokenFile);
    assert.ok(mounted, "token file is mounted");
    assert.equal(mounted.volume.secret?.secretName, tokenSecret.metadata.name);
    assert.deepEqual(volumeFiles(mounted.volume), [mounted.relPath]);
    assert.equal(pod.metadata.labels["pulsar-push-scaler/sidecar"], "true");
    assert.equal(sidecar.resources?.requests?.cpu, "10m");
    const hubImage = container(findOne(objs, "Deployment", hubSvc.metadata.name), "hub").image;
    assert.equal(sidecar.image, hubImage);
  });

  void test("with httpTls: wss:// to the hub, its CA and the sidecar's client certificate mounted", () => {
    const objs = templateConsumerChart({
      release: "shop",
      namespace: "orders",
      set: [
        "pulsar-push-scaler.httpTls.enabled=true",
        "pulsar-push-scaler.httpTls.secretName=hub-http-tls",
        "pulsar-push-scaler.httpTls.caSecretName=hub-http-ca",
        "pulsar-push-scaler.httpTls.requireClientCert=true",
        "pulsar-push-scaler.httpTls.sidecarCertSecretName=orders-sidecar-tls",
      ],
    });
    for (const o of objs) validateObject(o);
    const consumer = findOne(objs, "Deployment", "orders-consumer");
    const pod = podTemplate(consumer).spec;
    const sidecar = container(consumer, "pulsar-push-scaler-sidecar");
    const env = envOf(sidecar);
    assert.match(
      env.get("PPS_HUB_URL")?.value ?? "",
      /^wss:\/\/.*\.orders\.svc\.cluster\.local:8080\/v1\/sidecars$/,
    );
    for (const [name, secret] of [
      ["PPS_HUB_CA_FILE", "hub-http-ca"],
      ["PPS_HUB_CERT_FILE", "orders-sidecar-tls"],
      ["PPS_HUB_KEY_FILE", "orders-sidecar-tls"],
    ] as const) {
      const found = resolveMountedFile(pod, sidecar, env.get(name)?.value ?? "");
      assert.ok(found, `${name} is not mounted`);
      const source = found.volume.projected?.sources.find((src) =>
        src.secret.items.some((i) => i.path === found.relPath),
      );
      assert.equal(source?.secret.name, secret, name);
    }
    const hub = container(findOne(objs, "Deployment", "pulsar-push-scaler"), "hub");
    assert.equal(
      envOf(hub).get("PPS_HTTP_TLS_CLIENT_CA_FILE")?.value,
      "/var/run/pulsar-push-scaler/http-tls/ca.crt",
    );
  });

  void test("carries the cluster credentials and clusters file of several clusters", () => {
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
    for (const o of objs) validateObject(o);
    const consumer = findOne(objs, "Deployment", "orders-consumer");
    const pod = podTemplate(consumer).spec;
    const sidecar = container(consumer, "pulsar-push-scaler-sidecar");
    const volumes = new Set((pod.volumes ?? []).map((v) => v.name));
    for (const m of sidecar.volumeMounts ?? [])
      assert.ok(volumes.has(m.name), `mount ${m.name} has no volume`);
    assert.equal(envOf(sidecar).get("PPS_CLUSTERS_FILE")?.value, "/etc/pulsar-push-scaler/clusters.yaml");
    const cmVolume = pod.volumes?.find((v) => v.name === "pps-clusters-file");
    assert.equal(cmVolume?.configMap?.name, findOne(objs, "ConfigMap").metadata.name);
    const tokenVol = pod.volumes?.find((v) => v.name === "pps-cluster-1");
    assert.equal(tokenVol?.projected?.sources[0]?.secret.name, "b-token");
  });
});
