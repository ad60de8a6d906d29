import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseConfig, renderConfigTable } from "../../src/lib/config.js";
import { ConfigError } from "../../src/lib/errors.js";
import { packageRoot } from "../../src/lib/package-root.js";
import { clustersFromConfig } from "../../src/pulsar/cluster-schema.js";
import { hubConfigProblems, hubSchema, servedNamespaces, type HubConfig } from "../../src/hub/config.js";
import { tempDir } from "../support/temp-dir.js";

function config(argv: string[], env: NodeJS.ProcessEnv = {}): HubConfig {
  const r = parseConfig(hubSchema, argv, env);
  assert.equal(r.help, false);
  return (r as { config: HubConfig }).config;
}

function problems(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

const dir = tempDir("pps-hub-config-");
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

void test("hub config: defaults", () => {
  const c = config([]);
  assert.equal(c.grpcPort, 9090);
  assert.equal(c.grpcHost, "0.0.0.0");
  assert.equal(c.httpPort, 8080);
  assert.equal(c.logLevel, "info");
  assert.equal(c.shutdownTimeoutMs, 10_000);
  assert.equal(c.pulsarAuth, "none");
  assert.equal(c.pulsarRequestTimeoutMs, 5000);
  assert.equal(config(["--grpc-port", "0", "--http-port", "0"]).grpcPort, 0);
});

void test("hub config: served namespaces from the flag, POD_NAMESPACE, or all with a warning", () => {
  assert.deepEqual(servedNamespaces(config(["--namespaces", "a,b"]), { POD_NAMESPACE: "x" }), {
    namespaces: ["a", "b"],
  });
  assert.deepEqual(servedNamespaces(config([], { PPS_NAMESPACES: "all" }), {}), { namespaces: "all" });
  assert.deepEqual(servedNamespaces(config([]), { POD_NAMESPACE: "team" }), { namespaces: ["team"] });
  const all = servedNamespaces(config([]), {});
  assert.equal(all.namespaces, "all");
  assert.match(all.warning ?? "", /POD_NAMESPACE/);
});

void test("hub config: gRPC TLS flags must come together", () => {
  assert.deepEqual(hubConfigProblems(config([])), []);
  assert.equal(hubConfigProblems(config(["--grpc-tls-cert-file", "c"])).length, 1);
  assert.equal(hubConfigProblems(config(["--grpc-tls-client-ca-file", "ca"])).length, 1);
  assert.deepEqual(hubConfigProblems(config(["--grpc-tls-cert-file", "c", "--grpc-tls-key-file", "k"])), []);
});

void test("clusters: one cluster from flags, ws URL derived", () => {
  const [c, ...rest] = clustersFromConfig(config(["--pulsar-admin-url", "https://pulsar:8443/"]));
  assert.equal(rest.length, 0);
  assert.deepEqual(c, {
    name: "default",
    adminUrl: "https://pulsar:8443",
    wsUrl: "wss://pulsar:8443",
    auth: { kind: "none" },
    requestTimeoutMs: 5000,
  });
});

void test("clusters: token auth from env, token file, basic with password file", () => {
  const [t] = clustersFromConfig(
    config(["--pulsar-admin-url", "http://p:8080", "--pulsar-auth", "token"], { PPS_PULSAR_TOKEN: "jwt" }),
  );
  assert.deepEqual(t?.auth, { kind: "token", token: "jwt" });
  const tokenFile = file("token", "jwt\n");
  const [f] = clustersFromConfig(
    config([
      "--pulsar-admin-url",
      "http://p:8080",
      "--pulsar-auth",
      "token",
      "--pulsar-token-file",
      tokenFile,
    ]),
  );
  assert.deepEqual(f?.auth, { kind: "token", tokenFile });
  const pw = file("password", "s3cret\n");
  const [b] = clustersFromConfig(
    config([
      "--pulsar-admin-url",
      "http://p:8080",
      "--pulsar-auth",
      "basic",
      "--pulsar-basic-username",
      "u",
      "--pulsar-basic-password-file",
      pw,
    ]),
  );
  assert.deepEqual(b?.auth, { kind: "basic", username: "u", password: "s3cret" });
});

void test("clusters: every problem is reported together", () => {
  const list = file(
    "dup.yaml",
    "- name: east\n  adminUrl: http://e:8080\n- name: east\n  adminUrl: ftp://x\n  bogus: 1\n",
  );
  const p = problems(() =>
    clustersFromConfig(
      config(["--pulsar-admin-url", "http://p:8080", "--pulsar-auth", "token", "--clusters-file", list]),
    ),
  );
  assert.ok(
    p.some((m) => /exactly one of a token file/.test(m)),
    p.join("\n"),
  );
  assert.ok(
    p.some((m) => /unknown field "bogus"/.test(m)),
    p.join("\n"),
  );
  assert.ok(
    p.some((m) => /adminUrl "ftp:\/\/x"/.test(m)),
    p.join("\n"),
  );
  assert.ok(p.length >= 3);
});

void test("clusters: duplicate names, missing files, no cluster at all", () => {
  const list = file(
    "two.json",
    JSON.stringify({ clusters: [{ name: "default", adminUrl: "http://a:8080" }] }),
  );
  assert.ok(
    problems(() =>
      clustersFromConfig(config(["--pulsar-admin-url", "http://p:8080", "--clusters-file", list])),
    ).some((m) => /used more than once/.test(m)),
  );
  assert.ok(
    problems(() =>
      clustersFromConfig(
        config(["--pulsar-admin-url", "http://p:8080", "--pulsar-ca-file", join(dir, "none.pem")]),
      ),
    ).some((m) => /does not exist/.test(m)),
  );
  assert.ok(
    problems(() => clustersFromConfig(config([]))).some((m) => /no Pulsar cluster configured/.test(m)),
  );
  assert.ok(
    problems(() => clustersFromConfig(config(["--pulsar-auth", "tls"]))).some((m) =>
      /--pulsar-admin-url/.test(m),
    ),
  );
});

void test("clusters: several clusters from a YAML file, with oauth2 and tls", () => {
  const creds = file("creds.json", "{}");
  const cert = file("c.pem", "x");
  const key = file("k.pem", "x");
  const list = file(
    "several.yaml",
    [
      "- name: east",
      "  adminUrl: http://east:8080",
      "  auth: oauth2",
      `  oauth2CredentialsFile: ${creds}`,
      "  oauth2Audience: aud",
      "- name: west",
      "  adminUrl: https://west:8443",
      "  wsUrl: wss://west-proxy:443",
      "  auth: tls",
      `  tlsCertFile: ${cert}`,
      `  tlsKeyFile: ${key}`,
      "  requestTimeoutMs: 2000",
    ].join("\n"),
  );
  const cs = clustersFromConfig(config(["--clusters-file", list]));
  assert.deepEqual(
    cs.map((c) => [c.name, c.wsUrl, c.auth.kind, c.requestTimeoutMs]),
    [
      ["east", "ws://east:8080", "oauth2", 5000],
      ["west", "wss://west-proxy:443", "tls", 2000],
    ],
  );
  assert.deepEqual(cs[0]?.auth, { kind: "oauth2", credentialsFile: creds, audience: "aud" });
});

void test("docs/configuration.md holds exactly the rendered hub flags table", () => {
  const doc = readFileSync(join(packageRoot(), "docs", "configuration.md"), "utf8");
  const table = renderConfigTable(hubSchema);
  assert.ok(
    doc.includes(`${table}\n`),
    "docs/configuration.md is out of date: paste renderConfigTable(hubSchema)",
  );
  const tables = doc.split("\n").filter((l) => l.startsWith("| `--"));
  assert.equal(tables.length, Object.keys(hubSchema).length, "no stale rows beside the table");
});
