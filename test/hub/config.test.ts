import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig, parseConfig, renderConfigTable } from "../../src/lib/config.js";
import { packageRoot } from "../../src/lib/package-root.js";
import { clustersFromConfig } from "../../src/pulsar/cluster-schema.js";
import {
  grpcTls,
  httpTls,
  hubSchema,
  loadHubConfig,
  servedNamespaces,
  type HubConfig,
} from "../../src/hub/config.js";
import { tempDir } from "../support/temp-dir.js";
import { configProblems } from "../support/config-problems.js";

function config(argv: string[], env: NodeJS.ProcessEnv = {}): HubConfig {
  const r = parseConfig(hubSchema, argv, env);
  assert.equal(r.help, false);
  return (r as { config: HubConfig }).config;
}

/** The clusters of the --pulsar-* flags and the clusters file, checked in one run with the rest. */
function clusters(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const r = loadConfig(hubSchema, argv, env, (cfg, checks) => clustersFromConfig(cfg, checks));
  if (r.help) throw new Error("unexpected help");
  return r.config;
}

const ADMIN = ["--pulsar-admin-url", "http://p:8080"];

const problems = configProblems;

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

void test("hub config: --max-streams (PPS_MAX_STREAMS) bounds open KEDA streams, default 8000", () => {
  assert.equal(config([]).maxStreams, 8000);
  assert.equal(config(["--max-streams", "3"]).maxStreams, 3);
  assert.equal(config([], { PPS_MAX_STREAMS: "12000" }).maxStreams, 12000);
  const bad = problems(() => loadHubConfig([...ADMIN, "--max-streams", "0"], {}));
  assert.equal(bad.length, 1);
  assert.match(bad[0] ?? "", /--max-streams = "0"/);
});

void test("hub config: gRPC TLS flags must come together", () => {
  assert.doesNotThrow(() => loadHubConfig(ADMIN, {}));
  assert.equal(problems(() => loadHubConfig([...ADMIN, "--grpc-tls-cert-file", "c"], {})).length, 1);
  assert.equal(problems(() => loadHubConfig([...ADMIN, "--grpc-tls-client-ca-file", "ca"], {})).length, 1);
  assert.doesNotThrow(() =>
    loadHubConfig([...ADMIN, "--grpc-tls-cert-file", "c", "--grpc-tls-key-file", "k"], {}),
  );
});

void test("hub config: HTTP TLS flags must come together, and httpTls reads them", () => {
  assert.match(
    problems(() => loadHubConfig([...ADMIN, "--http-tls-key-file", "k"], {})).join(),
    /^--http-tls-cert-file and --http-tls-key-file must be set together$/,
  );
  assert.match(
    problems(() => loadHubConfig([...ADMIN, "--http-tls-client-ca-file", "ca"], {})).join(),
    /^--http-tls-client-ca-file needs --http-tls-cert-file and --http-tls-key-file$/,
  );
  const env = { PPS_HTTP_TLS_CERT_FILE: "c", PPS_HTTP_TLS_KEY_FILE: "k", PPS_HTTP_TLS_CLIENT_CA_FILE: "ca" };
  const cfg = config(ADMIN, env);
  assert.deepEqual(httpTls(cfg), { certFile: "c", keyFile: "k", clientCaFile: "ca" });
  assert.equal(grpcTls(cfg), undefined);
});

void test("clusters: one cluster from flags, ws URL derived", () => {
  const [c, ...rest] = clusters(["--pulsar-admin-url", "https://pulsar:8443/"]);
  assert.equal(rest.length, 0);
  assert.deepEqual(c, {
    name: "default",
    adminUrl: "https://pulsar:8443",
    wsUrl: "wss://pulsar:8443",
    arrivals: "auto",
    auth: { kind: "none" },
    requestTimeoutMs: 5000,
  });
});

void test("clusters: token auth from env, token file, basic with password file", () => {
  const [t] = clusters(["--pulsar-admin-url", "http://p:8080", "--pulsar-auth", "token"], {
    PPS_PULSAR_TOKEN: "jwt",
  });
  assert.deepEqual(t?.auth, { kind: "token", token: "jwt" });
  const tokenFile = file("token", "jwt\n");
  const [f] = clusters([
    "--pulsar-admin-url",
    "http://p:8080",
    "--pulsar-auth",
    "token",
    "--pulsar-token-file",
    tokenFile,
  ]);
  assert.deepEqual(f?.auth, { kind: "token", tokenFile });
  const pw = file("password", "s3cret\n");
  const [b] = clusters([
    "--pulsar-admin-url",
    "http://p:8080",
    "--pulsar-auth",
    "basic",
    "--pulsar-basic-username",
    "u",
    "--pulsar-basic-password-file",
    pw,
  ]);
  assert.deepEqual(b?.auth, { kind: "basic", username: "u", password: "s3cret" });
});

void test("clusters: every problem is reported together", () => {
  const list = file(
    "dup.yaml",
    "- name: east\n  adminUrl: http://e:8080\n- name: east\n  adminUrl: ftp://x\n  bogus: 1\n",
  );
  const p = problems(() =>
    clusters(["--pulsar-admin-url", "http://p:8080", "--pulsar-auth", "token", "--clusters-file", list]),
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
    p.some((m) => /dup\.yaml \[1\]\.adminUrl = "ftp:\/\/x": expected an http:\/\/ or https:\/\/ URL/.test(m)),
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
    problems(() => clusters(["--pulsar-admin-url", "http://p:8080", "--clusters-file", list])).some((m) =>
      /used more than once/.test(m),
    ),
  );
  assert.ok(
    problems(() =>
      clusters(["--pulsar-admin-url", "http://p:8080", "--pulsar-ca-file", join(dir, "none.pem")]),
    ).some((m) => /does not exist/.test(m)),
  );
  assert.ok(problems(() => clusters([])).some((m) => /no Pulsar cluster configured/.test(m)));
  assert.ok(problems(() => clusters(["--pulsar-auth", "tls"])).some((m) => /--pulsar-admin-url/.test(m)));
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
  const cs = clusters(["--clusters-file", list]);
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
    "docs/configuration.md is out of date: run `npx tsx scripts/config-docs.ts`",
  );
  const tables = doc.split("\n").filter((l) => l.startsWith("| `--"));
  assert.equal(tables.length, Object.keys(hubSchema).length, "no stale rows beside the table");
});

void test("one run reports parse problems and cross-field problems together, each naming its flag", () => {
  const p = problems(() =>
    loadHubConfig(
      [
        "--grpc-port",
        "x",
        "--fast-poll-ms",
        "5000",
        "--slow-poll-ms",
        "100",
        "--heartbeat-interval-ms",
        "5000",
        "--lease-timeout-ms",
        "1000",
        "--grpc-tls-cert-file",
        "c",
        "--bogus",
      ],
      { PPS_LOG_LEVEL: "loud" },
    ),
  );
  const want = [
    /^unknown flag --bogus/,
    /^--grpc-port = "x": expected an integer in 0\.\.65535$/,
    /^PPS_LOG_LEVEL = "loud": expected one of fatal, error/,
    /^--slow-poll-ms = 100: expected at least --fast-poll-ms \(5000\)$/,
    /^--heartbeat-interval-ms \(5000\) must be below --lease-timeout-ms \(1000\)$/,
    /^--grpc-tls-cert-file and --grpc-tls-key-file must be set together$/,
    /^no Pulsar cluster configured/,
  ];
  for (const re of want)
    assert.ok(
      p.some((m) => re.test(m)),
      `${String(re)}\n${p.join("\n")}`,
    );
  assert.equal(p.length, want.length, p.join("\n"));
});

void test("a rule between values is skipped when one of them failed (its own problem says it)", () => {
  const p = problems(() => loadHubConfig([...ADMIN, "--fast-poll-ms", "abc", "--slow-poll-ms", "100"], {}));
  assert.deepEqual(p, ['--fast-poll-ms = "abc": expected an integer in 1..86400000']);
  // A bad admin URL is reported once: no "no cluster configured", no rule over the flags cluster.
  const url = problems(() =>
    loadHubConfig(["--pulsar-admin-url", "ws://p:8080", "--pulsar-auth", "tls"], {}),
  );
  assert.deepEqual(url, ['--pulsar-admin-url = "ws://p:8080": expected an http:// or https:// URL']);
});

void test("clusters file: each problem names the file, the JSON path of the field and what is expected", () => {
  const f = file(
    "paths.yaml",
    [
      "clusters:",
      "  - {name: east, adminUrl: http://e:8080, requestTimeoutMs: 5, auth: kerberos}",
      "  - {name: 'bad name!', adminUrl: 8080, wsUrl: http://w:8080}",
      "  - {name: west, adminUrl: http://w:8080, token: abc}",
      "  - {name: tls, adminUrl: http://t:8080, auth: tls, caFile: /no/ca.pem}",
      "  - 42",
    ].join("\n"),
  );
  const p = problems(() =>
    clusters(["--pulsar-admin-url", "http://p:8080", "--pulsar-cluster-name", "-x", "--clusters-file", f]),
  );
  const at = `clusters file ${f} clusters`;
  const want = [
    `--pulsar-cluster-name = "-x": expected 1-63 letters, digits, _ . - (starting alphanumeric)`,
    `${at}[0].auth = "kerberos": expected one of none, token, basic, tls, oauth2`,
    `${at}[0].requestTimeoutMs = 5: expected an integer in 100..600000`,
    `${at}[1].name = "bad name!": expected 1-63 letters, digits, _ . - (starting alphanumeric)`,
    `${at}[1].adminUrl = 8080: expected an http:// or https:// URL`,
    `${at}[1].wsUrl = "http://w:8080": expected a ws:// or wss:// URL`,
    `${at}[2]: token is not accepted in a file; use tokenFile`,
    `${at}[3]: CA file "/no/ca.pem" (caFile) does not exist`,
    `${at}[3]: auth tls needs a certificate file and a key file (tlsCertFile, tlsKeyFile)`,
    `${at}[3]: auth tls needs an https:// admin URL (adminUrl)`,
    `${at}[4]: expected a mapping of cluster fields`,
  ];
  assert.deepEqual([...p].sort(), [...want].sort());
});

void test("clusters file: every unknown field, a missing field's rule, one problem for a fraction out of range", () => {
  const f = file(
    "fields.yaml",
    "- {adminUrl: http://e:8080, requestTimeoutMs: 50.5, foo: 1, bar: 2}\n- {name: west}\n",
  );
  const p = problems(() => clusters(["--clusters-file", f]));
  const at = `clusters file ${f} `;
  const known =
    "name, adminUrl, wsUrl, serviceUrl, arrivals, auth, tokenFile, basicUsername, basicPasswordFile, tlsCertFile, tlsKeyFile, caFile, oauth2CredentialsFile, oauth2IssuerUrl, oauth2Audience, oauth2Scope, requestTimeoutMs";
  assert.deepEqual(p, [
    `${at}[0].name is missing: expected a string`,
    `${at}[0].requestTimeoutMs = 50.5: expected an integer in 100..600000`,
    `${at}[0]: unknown field "foo" (known: ${known})`,
    `${at}[0]: unknown field "bar" (known: ${known})`,
    `${at}[1].adminUrl is missing: expected an http:// or https:// URL`,
  ]);
});

void test("clusters from flags: the rules between values name the flags", () => {
  const p = problems(() =>
    clusters([
      "--pulsar-admin-url",
      "http://p:8080",
      "--pulsar-auth",
      "basic",
      "--pulsar-basic-password-file",
      join(dir, "no-pw"),
    ]),
  );
  assert.deepEqual(p, [
    `cluster "default" (--pulsar-* flags): password file "${join(dir, "no-pw")}" (--pulsar-basic-password-file) does not exist`,
    'cluster "default" (--pulsar-* flags): auth basic needs a user name and a password file (--pulsar-basic-username, --pulsar-basic-password-file)',
  ]);
});
