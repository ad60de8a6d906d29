import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { readTokensFile } from "../../src/hub/sidecar-tokens.js";
import { tempDir } from "../support/temp-dir.js";
import {
  TEST_TOKEN,
  assertHelmPresent,
  container,
  envOf,
  findOne,
  helm,
  podTemplate,
  template,
  validateObject,
  CHART,
  type K8sObject,
} from "./render.js";

// sidecarTokens: one token per namespace (issue 11 item 4), as the hub's --sidecar-tokens-file.

const SET = [
  "sidecarTokens.secretName=team-tokens",
  "sidecarTokens.namespaces={team-a,team-b}",
  "networkPolicy.enabled=true",
];

interface Projected {
  sources: Array<{
    configMap?: { name: string; items: { key: string; path: string }[] };
    secret?: { name: string; items: { key: string; path: string }[] };
  }>;
}

before(() => assertHelmPresent());

void test("sidecarTokens: a tokens file beside one token file per namespace, read as the hub reads it", () => {
  const objs = template({ set: SET });
  for (const o of objs) validateObject(o);
  const deploy = findOne(objs, "Deployment");
  const file = envOf(container(deploy, "hub")).get("PPS_SIDECAR_TOKENS_FILE")?.value;
  assert.equal(file, "/var/run/pulsar-push-scaler/sidecar-tokens/tokens.yaml");
  const mount = container(deploy, "hub").volumeMounts?.find((m) => m.name === "sidecar-tokens");
  assert.equal(mount?.mountPath, "/var/run/pulsar-push-scaler/sidecar-tokens");
  const volume = podTemplate(deploy).spec.volumes?.find((v) => v.name === "sidecar-tokens") as unknown as {
    projected: Projected;
  };
  const [map, secret] = volume.projected.sources;
  const cm = findOne(objs, "ConfigMap", map?.configMap?.name) as K8sObject & { data: Record<string, string> };
  assert.deepEqual(map?.configMap?.items, [{ key: "tokens.yaml", path: "tokens.yaml" }]);
  assert.equal(secret?.secret?.name, "team-tokens");
  assert.deepEqual(
    secret?.secret?.items.map((i) => [i.key, i.path]),
    [
      ["team-a", "team-a"],
      ["team-b", "team-b"],
    ],
  );
  // The volume's files, as the hub sees them: the map names the token files beside it.
  const dir = tempDir("pps-chart-tokens-");
  writeFileSync(join(dir, "tokens.yaml"), cm.data["tokens.yaml"] ?? "");
  assert.deepEqual(
    readTokensFile(join(dir, "tokens.yaml")),
    new Map([
      ["team-a", join(dir, "team-a")],
      ["team-b", join(dir, "team-b")],
    ]),
  );
  const policy = findOne(objs, "NetworkPolicy") as K8sObject & {
    spec: {
      ingress: Array<{ from: Array<{ namespaceSelector?: { matchLabels: Record<string, string> } }> }>;
    };
  };
  const namespaces = policy.spec.ingress.flatMap((r) =>
    r.from.flatMap((f) => f.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] ?? []),
  );
  assert.ok(namespaces.includes("team-a") && namespaces.includes("team-b"), namespaces.join(", "));
});

void test("sidecarTokens: off by default; a Secret without its namespaces is refused", () => {
  const objs = template();
  assert.equal(
    envOf(container(findOne(objs, "Deployment"), "hub")).get("PPS_SIDECAR_TOKENS_FILE"),
    undefined,
  );
  const r = helm([
    "template",
    "pps",
    CHART,
    "--set",
    `sidecarToken.value=${TEST_TOKEN}`,
    "--set",
    "sidecarTokens.secretName=team-tokens",
  ]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /sidecarTokens.secretName needs sidecarTokens.namespaces/);
});
