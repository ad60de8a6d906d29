import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOptions, checkSchema } from "../../src/check/config.js";
import { hintFor } from "../../src/check/hints.js";
import { replicasFor } from "../../src/check/report.js";
import { MetadataError } from "../../src/keda/errors.js";
import { parseTriggerMetadata } from "../../src/keda/metadata.js";
import { loadConfig, parseConfig } from "../../src/lib/config.js";
import { ConfigError } from "../../src/lib/errors.js";
import type { ClusterConfig } from "../../src/pulsar/cluster.js";
import {
  AuthenticationError,
  AuthorizationError,
  BadPayloadError,
  NamespaceNotFoundError,
  NetworkError,
  RateLimitedError,
  ServerError,
  SubscriptionNotFoundError,
  TimeoutError,
  TooManyRedirectsError,
  TopicNotFoundError,
} from "../../src/pulsar/index.js";
import { signJwt, startSimulator } from "../../src/sim/index.js";
import { checkJson, metaFlags } from "./helpers.js";

const cluster = (auth: ClusterConfig["auth"] = { kind: "none" }): ClusterConfig => ({
  name: "prod",
  adminUrl: "http://pulsar:8080",
  wsUrl: "ws://pulsar:8080",
  arrivals: "auto",
  auth,
  requestTimeoutMs: 5000,
});
const spec = parseTriggerMetadata({ topic: "acme/orders/in", subscription: "workers" }, [cluster()]);
const U = "http://pulsar:8080/admin/v2/x";

void test("hintFor: one title, hint and gRPC code per error class", () => {
  const ctx = { clusters: [cluster()], spec };
  const cases: Array<[unknown, RegExp, RegExp]> = [
    [
      new MetadataError("cluster", "dev", "x"),
      /bad trigger metadata cluster/,
      /configured: prod=http:\/\/pulsar:8080/,
    ],
    [
      new MetadataError("adminURLFromEnv", "http://x", "x"),
      /bad trigger metadata adminURLFromEnv/,
      /configured: prod=http:\/\/pulsar:8080/,
    ],
    [
      new MetadataError("metric", "lag", "one of msgBacklog"),
      /metadata metric/,
      /expected one of msgBacklog/,
    ],
    [
      new AuthenticationError("401", U),
      /authentication failed/,
      /requires authentication: set --pulsar-auth/,
    ],
    [new AuthorizationError("403", U), /not authorized/, /GET_STATS.*grant-permission.*consume/],
    [new TopicNotFoundError("404", U), /topic not found/, /persistent:\/\/acme\/orders\/in.*non-persistent/],
    [new NamespaceNotFoundError("404", U), /namespace not found/, /no namespace acme\/orders/],
    [new SubscriptionNotFoundError("404", U), /subscription not found/, /could not be read/],
    [new RateLimitedError("429", U, undefined), /rate limited/, /rate-limits admin requests\. /],
    [new TimeoutError("t", U), /timeout/, /reachable from here \(prod=http:\/\/pulsar:8080\)/],
    [new NetworkError("n", U), /network error/, /WebSocket service is not needed/],
    [new BadPayloadError("b", U), /unexpected answer/, /not Pulsar topic stats/],
    [new TooManyRedirectsError("r", U, 307), /broker error \(HTTP 307\)/, /logs/],
    [new ServerError("s", U, 503), /broker error \(HTTP 503\)/, /logs/],
    [new Error("?"), /unexpected error/, /report it/],
  ];
  for (const [err, title, hint] of cases) {
    const h = hintFor(err, ctx);
    assert.match(h.title, title, String(err));
    assert.match(h.hint, hint, String(err));
    assert.equal(h.grpcCode, err instanceof MetadataError ? "INVALID_ARGUMENT" : "UNAVAILABLE");
  }
});

void test("hintFor: authentication hint follows the auth kind; subscription hint names readers", () => {
  const token = hintFor(new AuthenticationError("401", U), {
    clusters: [cluster({ kind: "token", tokenFile: "/t" })],
    spec,
  });
  assert.match(token.hint, /token file \(--pulsar-token-file\)/);
  const basic = hintFor(new AuthenticationError("401", U), {
    clusters: [cluster({ kind: "basic", username: "u", password: "p" })],
    spec,
  });
  assert.match(basic.hint, /user name or password/);
  const subs = hintFor(new SubscriptionNotFoundError("404", U), {
    clusters: [cluster()],
    spec,
    subscriptions: ["reader-0123456789", "audit"],
  });
  assert.match(subs.hint, /subscriptions: audit \(and 1 reader\(s\): reader-0123456789\)/);
  assert.doesNotMatch(subs.hint, /Did you mean/);
  const none = hintFor(new SubscriptionNotFoundError("404", U), {
    clusters: [cluster()],
    spec,
    subscriptions: [],
  });
  assert.match(none.hint, /no durable subscription/);
});

void test("replicasFor: AverageValue ceil, min/max, scale to zero when inactive", () => {
  assert.deepEqual(
    { ...replicasFor(25, 10, true, undefined, undefined), why: "" },
    { desired: 3, hpa: 3, min: 0, max: 100, why: "" },
  );
  assert.equal(replicasFor(0.5, 10, true, 0, 10).desired, 1);
  assert.equal(replicasFor(1000, 10, true, 0, 10).desired, 10);
  assert.equal(replicasFor(5, 10, false, 0, 10).desired, 0);
  assert.equal(replicasFor(5, 10, false, 2, 10).desired, 2);
  assert.equal(replicasFor(25, 2.5, true, 0, 100).hpa, 10);
});

void test("checkOptions: metadata entries split at the first '=', later entries win", () => {
  const options = (argv: string[], env: NodeJS.ProcessEnv) => {
    const parsed = loadConfig(checkSchema, argv, env, checkOptions);
    assert.equal(parsed.help, false);
    return (parsed as { config: ReturnType<typeof checkOptions> }).config;
  };
  const opts = options(
    ["--metadata", "topic=a/b/c", "--metadata", "x=1=2", "--metadata", "x=3", "--json"],
    {},
  );
  assert.deepEqual(opts?.metadata, { topic: "a/b/c", x: "3" });
  assert.equal(opts?.json, true);
  assert.throws(() => parseConfig(checkSchema, ["--metadata", "=x"], {}), ConfigError);
  const fromEnv = options([], { PPS_CHECK_METADATA: "topic=a/b/c,subscription=s" });
  assert.deepEqual(fromEnv?.metadata, {
    topic: "a/b/c",
    subscription: "s",
  });
});

void test("authorization: a role not allowed on the topic gets the permission hint", async () => {
  const sim = await startSimulator({
    port: 0,
    auth: { mode: "token", secret: "s3" },
    authorization: [{ topicPattern: "secret", roles: ["admin"] }],
  });
  try {
    const { code, report } = await checkJson(
      [
        ...metaFlags({ topic: "public/default/secret", subscription: "w" }),
        "--pulsar-admin-url",
        sim.adminUrl,
        "--pulsar-auth",
        "token",
      ],
      { PPS_PULSAR_TOKEN: signJwt({ sub: "scaler" }, "s3") },
    );
    assert.equal(code, 1);
    assert.equal(report.error?.class, "AuthorizationError");
    assert.match(report.error?.hint ?? "", /GET_STATS/);
  } finally {
    await sim.close();
  }
});

void test("check options: parse and cross-field problems come in one error", () => {
  const run = () =>
    loadConfig(
      checkSchema,
      ["--bogus", "--min-replicas", "5", "--max-replicas", "2", "--trigger-index", "x"],
      {},
      checkOptions,
    );
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.deepEqual(err.problems, [
      "unknown flag --bogus (see --help)",
      '--trigger-index = "x": expected an integer in 0..1000',
      "give the trigger with --metadata key=value (repeatable) or --scaled-object FILE",
      "--min-replicas 5 is above --max-replicas 2",
    ]);
    return true;
  });
});
