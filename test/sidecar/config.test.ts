import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { renderConfigTable } from "../../src/lib/config.js";
import { packageRoot } from "../../src/lib/package-root.js";
import type { ClusterFileIo } from "../../src/pulsar/cluster-schema.js";
import { loadSidecarConfig, sidecarSchema, type SidecarSettings } from "../../sidecar/config.js";
import { watchArg } from "../../sidecar/watch-arg.js";
import { configProblems } from "../support/config-problems.js";

const ADMIN = ["--pulsar-admin-url", "http://pulsar:8080"];
const HUB_ENV = {
  PPS_HUB_URL: "ws://hub:8080/v1/sidecars",
  PPS_HUB_TOKEN: "s3cret-token",
  POD_NAME: "orders-7f9c-x2",
  POD_NAMESPACE: "shop",
  PPS_WATCH: "persistent://public/default/orders:workers",
};

/** A clusters file of two clusters, served from memory. */
const io: ClusterFileIo = {
  exists: (p) => p === "/clusters.yaml",
  readFile: () => "- {name: east, adminUrl: http://east:8080}\n- {name: west, adminUrl: http://west:8080}\n",
};

function settings(argv: string[], env: NodeJS.ProcessEnv = {}): SidecarSettings {
  const r = loadSidecarConfig(argv, env, io);
  assert.equal(r.help, false);
  if (r.help) throw new Error("unreachable");
  return r.config;
}

function problems(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  return configProblems(() => settings(argv, env));
}

void test("sidecar config: hub mode from the chart's env names", () => {
  const s = settings(ADMIN, HUB_ENV);
  assert.equal(s.mode, "hub");
  if (s.mode !== "hub") return;
  assert.equal(s.hubUrl, "ws://hub:8080/v1/sidecars");
  assert.deepEqual(s.token, { value: "s3cret-token" });
  assert.equal(s.pod, "orders-7f9c-x2");
  assert.equal(s.namespace, "shop");
  assert.deepEqual(s.keys, [
    { cluster: "default", topic: "persistent://public/default/orders", subscription: "workers" },
  ]);
  assert.equal(s.httpPort, 8081);
  assert.equal(s.timings.slowPollMs, 30_000);
  assert.ok(Object.isFrozen(s));
});

void test("sidecar config: neither or both of --hub-url and --grpc-port is one problem naming both", () => {
  for (const [argv, word] of [
    [ADMIN, "neither"],
    [[...ADMIN, "--hub-url", "ws://hub/v1/sidecars", "--grpc-port", "9090"], "both"],
  ] as const) {
    const p = problems([...argv]);
    const mode = p.filter((x) => x.includes("--hub-url") && x.includes("--grpc-port"));
    assert.equal(mode.length, 1, JSON.stringify(p));
    assert.match(mode[0] ?? "", new RegExp(`${word} is set|${word} are set`));
  }
});

void test("sidecar config: hub mode reports every missing piece together", () => {
  const p = problems([...ADMIN, "--hub-url", "ws://hub:8080/v1/sidecars"]);
  assert.equal(p.length, 4, JSON.stringify(p));
  assert.match(p[0] ?? "", /--hub-token-file \(PPS_HUB_TOKEN_FILE\).*PPS_HUB_TOKEN/);
  assert.match(p[1] ?? "", /--pod-name \(env POD_NAME/);
  assert.match(p[2] ?? "", /--pod-namespace \(env POD_NAMESPACE/);
  assert.match(p[3] ?? "", /at least one --watch/);
});

void test("sidecar config: each problem", () => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
    [
      "http hub url",
      ADMIN,
      { ...HUB_ENV, PPS_HUB_URL: "http://hub" },
      /PPS_HUB_URL = "http:\/\/hub": expected a ws/,
    ],
    [
      "missing CA file",
      [...ADMIN, "--hub-ca-file", "/nope.pem"],
      HUB_ENV,
      /--hub-ca-file "\/nope.pem" does not exist/,
    ],
    [
      "client certificate without its key",
      [...ADMIN, "--hub-url", "wss://hub/v1/sidecars", "--hub-cert-file", "/etc/hostname"],
      HUB_ENV,
      /--hub-cert-file and --hub-key-file must be set together/,
    ],
    [
      "TLS files with a ws:// hub",
      [...ADMIN, "--hub-ca-file", "/etc/hostname"],
      HUB_ENV,
      /--hub-ca-file and --hub-cert-file need a wss:\/\/ --hub-url/,
    ],
    ["token twice", ADMIN, { ...HUB_ENV, PPS_HUB_TOKEN_FILE: "/t" }, /exactly one of --hub-token-file/],
    ["long pod name", ADMIN, { ...HUB_ENV, POD_NAME: "p".repeat(254) }, /--pod-name must be at most 253/],
    [
      "bad port",
      ["--grpc-port", "70000", ...ADMIN],
      {},
      /--grpc-port = "70000": expected an integer in 0..65535/,
    ],
    ["bad http port", ["--http-port", "on", ...ADMIN], HUB_ENV, /--http-port = "on": expected an integer/],
    ["no cluster", [], HUB_ENV, /no Pulsar cluster configured/],
    [
      "timings",
      ["--error-backoff-max-ms", "10", ...ADMIN],
      HUB_ENV,
      /--error-backoff-max-ms = 10: expected at least --error-backoff-base-ms \(1000\)/,
    ],
    [
      "unknown cluster",
      ADMIN,
      { ...HUB_ENV, PPS_WATCH: "prod@t/ns/x:s" },
      /cluster "prod" is not configured \(known: default\)/,
    ],
    [
      "no subscription",
      ADMIN,
      { ...HUB_ENV, PPS_WATCH: "persistent://t/ns/x" },
      /expected topic:subscription/,
    ],
    ["bad topic", ADMIN, { ...HUB_ENV, PPS_WATCH: "t/x:s" }, /topic "t\/x": expected persistent:\/\//],
    ["empty cluster", ADMIN, { ...HUB_ENV, PPS_WATCH: "@t/ns/x:s" }, /cluster before @/],
    [
      "ambiguous cluster",
      ["--clusters-file", "/clusters.yaml"],
      HUB_ENV,
      /2 clusters are configured \(east, west\); name one/,
    ],
  ];
  for (const [what, argv, env, re] of cases) {
    const p = problems(argv, env);
    assert.ok(
      p.some((x) => re.test(x)),
      `${what}: ${JSON.stringify(p)}`,
    );
  }
});

void test("sidecar config: the hub token is never shown in a problem", () => {
  const p = problems(ADMIN, { ...HUB_ENV, PPS_HUB_TOKEN_FILE: "/t" });
  assert.ok(!p.join("\n").includes("s3cret-token"));
});

void test("--watch: split at the last colon, topic canonical, optional cluster@", () => {
  const ok: Array<[string, { cluster: string | undefined; topic: string; subscription: string }]> = [
    ["persistent://t/ns/x:sub", { cluster: undefined, topic: "persistent://t/ns/x", subscription: "sub" }],
    ["t/ns/x:sub", { cluster: undefined, topic: "persistent://t/ns/x", subscription: "sub" }],
    [
      "non-persistent://t/ns/x:s-1",
      { cluster: undefined, topic: "non-persistent://t/ns/x", subscription: "s-1" },
    ],
    ["prod@persistent://t/ns/x:sub", { cluster: "prod", topic: "persistent://t/ns/x", subscription: "sub" }],
    ["t/ns/a:b:sub", { cluster: undefined, topic: "persistent://t/ns/a:b", subscription: "sub" }],
  ];
  for (const [raw, want] of ok) assert.deepEqual({ ...watchArg.parse(raw) }, want, raw);
  for (const bad of ["persistent://t/ns/x", "t/ns/x:", "t/ns/x", ":sub", "x@:sub", "t/ns/x:a/b"]) {
    assert.throws(() => watchArg.parse(bad), Error, bad);
  }
});

void test("--watch: repeatable flag, comma-separated env, named clusters, duplicates dropped", () => {
  const s = settings(["--clusters-file", "/clusters.yaml"], {
    ...HUB_ENV,
    PPS_WATCH: "east@t/ns/x:a, west@persistent://t/ns/x:a,east@persistent://t/ns/x:a",
  });
  assert.deepEqual(
    s.keys.map((k) => `${k.cluster}|${k.topic}|${k.subscription}`),
    ["east|persistent://t/ns/x|a", "west|persistent://t/ns/x|a"],
  );
  const f = settings([...ADMIN, "--watch", "t/ns/x:a", "--watch", "t/ns/y:b"], { ...HUB_ENV, PPS_WATCH: "" });
  assert.deepEqual(
    f.keys.map((k) => k.topic),
    ["persistent://t/ns/x", "persistent://t/ns/y"],
  );
  // With --pulsar-admin-url and a clusters file, a bare item uses the --pulsar-cluster-name cluster.
  const both = settings([...ADMIN, "--clusters-file", "/clusters.yaml", "--watch", "t/ns/x:a"], {
    ...HUB_ENV,
    PPS_WATCH: "",
  });
  assert.deepEqual(both.keys[0]?.cluster, "default");
});

void test("sidecar config: standalone mode needs no hub fields and no --watch", () => {
  const s = settings(["--grpc-port", "0", ...ADMIN, "--http-port", "off"]);
  assert.equal(s.mode, "standalone");
  if (s.mode !== "standalone") return;
  assert.equal(s.grpcPort, 0);
  assert.equal(s.namespaces, "all");
  assert.equal(s.httpPort, "off");
  assert.equal(s.shutdownTimeoutMs, 10_000);
  const ns = settings(["--grpc-port", "9090", ...ADMIN], { POD_NAMESPACE: "shop" });
  assert.deepEqual(ns.mode === "standalone" && ns.namespaces, ["shop"]);
});

void test("docs/sidecar.md holds exactly the rendered sidecar flags table", () => {
  const doc = readFileSync(join(packageRoot(), "docs", "sidecar.md"), "utf8");
  const table = renderConfigTable(sidecarSchema);
  assert.ok(
    doc.includes(`${table}\n`),
    "docs/sidecar.md is out of date: run `npx tsx scripts/config-docs.ts`",
  );
  const rows = doc.split("\n").filter((l) => l.startsWith("| `--"));
  assert.equal(rows.length, Object.keys(sidecarSchema).length, "no stale rows beside the table");
});

void test("sidecar config: parse and cross-field problems come in one error", () => {
  const p = problems([
    ...ADMIN,
    "--hub-url",
    "ws://hub/v1/sidecars",
    "--grpc-port",
    "9090",
    "--http-port",
    "on",
    "--fast-poll-ms",
    "2000",
    "--slow-poll-ms",
    "1000",
    "--watch",
    "nope@t/ns/x:s",
  ]);
  const want = [
    /^set exactly one of --hub-url .* both are set$/,
    /^--http-port = "on": expected an integer/,
    /^--slow-poll-ms = 1000: expected at least --fast-poll-ms \(2000\)$/,
    /^--watch "nope@persistent:\/\/t\/ns\/x:s": cluster "nope" is not configured/,
  ];
  for (const re of want)
    assert.ok(
      p.some((m) => re.test(m)),
      `${String(re)}\n${p.join("\n")}`,
    );
  assert.equal(p.length, want.length, p.join("\n"));
  // A --hub-url that failed to parse still counts as given: both modes are named, once each.
  const bad = problems([...ADMIN, "--grpc-port", "9090"], { ...HUB_ENV, PPS_HUB_URL: "http://hub" });
  assert.ok(
    bad.some((m) => /^PPS_HUB_URL = "http:\/\/hub": expected a ws/.test(m)),
    bad.join("\n"),
  );
  assert.ok(
    bad.some((m) => /both are set$/.test(m)),
    bad.join("\n"),
  );
});
