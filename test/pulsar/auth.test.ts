import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { systemClock } from "../../src/lib/clock.js";
import { ConfigError } from "../../src/lib/errors.js";
import { AdminClient } from "../../src/pulsar/admin-client.js";
import { createAuthProvider, refreshDelayMs } from "../../src/pulsar/auth/index.js";
import { oauth2Auth } from "../../src/pulsar/auth/oauth2.js";
import { AuthenticationError } from "../../src/pulsar/errors.js";
import { parseTopicName } from "../../src/pulsar/topic-name.js";
import { FakeClock } from "../support/fake-clock.js";
import { cluster, fixture, rejection, sendJson, startHttp, type TestServer } from "./helpers.js";

const SECRET = "client-secret-value";

void test("basic and inline token headers", async () => {
  const deps = { clock: systemClock, timeoutMs: 1000 };
  const basic = createAuthProvider({ kind: "basic", username: "alice", password: "pw:1" }, deps);
  assert.deepEqual(await basic.headers(), {
    authorization: `Basic ${Buffer.from("alice:pw:1").toString("base64")}`,
  });
  const token = createAuthProvider({ kind: "token", token: " jwt \n" }, deps);
  assert.deepEqual(await token.headers(), { authorization: "Bearer jwt" });
  assert.deepEqual(await createAuthProvider({ kind: "none" }, deps).headers(), {});
});

void test("unreadable TLS files fail fast with ConfigError", () => {
  assert.throws(
    () =>
      createAuthProvider(
        { kind: "tls", certFile: "/nope/cert.pem", keyFile: "/nope/key.pem" },
        { clock: systemClock, timeoutMs: 1 },
      ),
    ConfigError,
  );
});

void test("refresh delay: 80 % of the lifetime or 30 s before expiry, whichever is first", () => {
  assert.equal(refreshDelayMs(3600), 2_880_000);
  assert.equal(refreshDelayMs(100), 70_000);
  assert.equal(refreshDelayMs(10), 5_000);
});

interface Issuer {
  srv: TestServer;
  forms: URLSearchParams[];
  discoveries: number;
  expiresIn: number;
  reject: boolean;
  gate?: Promise<void>;
}

async function startIssuer(): Promise<Issuer> {
  const state: Omit<Issuer, "srv"> = { forms: [], discoveries: 0, expiresIn: 100, reject: false };
  const srv = await startHttp((req, res) => {
    if (req.url === "/.well-known/openid-configuration") {
      state.discoveries++;
      return sendJson(res, 200, { issuer: "x", token_endpoint: `http://127.0.0.1:${srv.port}/oauth/token` });
    }
    if (req.url === "/oauth/token" && req.method === "POST") {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        void (async () => {
          await state.gate;
          const form = new URLSearchParams(body);
          state.forms.push(form);
          if (state.reject) return sendJson(res, 401, { error: "invalid_client" });
          sendJson(res, 200, {
            access_token: `tok-${state.forms.length}`,
            token_type: "Bearer",
            expires_in: state.expiresIn,
          });
        })();
      });
      return;
    }
    sendJson(res, 404, {});
  });
  return Object.assign(state, { srv });
}

async function credentialsFile(issuerUrl: string): Promise<{ file: string; dir: string }> {
  const dir = await mkdtemp(`${tmpdir()}/pulsar-oauth-`);
  const file = `${dir}/credentials.json`;
  await writeFile(
    file,
    JSON.stringify({
      type: "client_credentials",
      client_id: "my-client",
      client_secret: SECRET,
      issuer_url: issuerUrl,
    }),
  );
  return { file, dir };
}

void test("oauth2: discovery, form POST, caching, refresh before expiry, single flight", async (t) => {
  const issuer = await startIssuer();
  const { file, dir } = await credentialsFile(issuer.srv.url + "/");
  const clock = new FakeClock();
  const auth = oauth2Auth({
    credentialsFile: file,
    audience: "urn:pulsar",
    scope: "admin",
    clock,
    timeoutMs: 2000,
  });
  t.after(async () => {
    auth.close?.();
    await issuer.srv.close();
    await rm(dir, { recursive: true });
  });
  const [a, b] = await Promise.all([auth.headers(), auth.headers()]);
  assert.deepEqual(a, { authorization: "Bearer tok-1" });
  assert.deepEqual(b, a);
  assert.equal(issuer.forms.length, 1, "single flight");
  const form = issuer.forms[0];
  assert.equal(form?.get("grant_type"), "client_credentials");
  assert.equal(form?.get("client_id"), "my-client");
  assert.equal(form?.get("client_secret"), SECRET);
  assert.equal(form?.get("audience"), "urn:pulsar");
  assert.equal(form?.get("scope"), "admin");
  clock.advance(69_000);
  assert.deepEqual(
    await auth.headers(),
    { authorization: "Bearer tok-1" },
    "cached before the refresh point",
  );
  clock.advance(2_000);
  assert.deepEqual(await auth.headers(), { authorization: "Bearer tok-2" }, "refreshed 30 s before expiry");
  assert.equal(issuer.discoveries, 1, "discovery cached");
  auth.invalidate?.();
  assert.deepEqual(await auth.headers(), { authorization: "Bearer tok-3" });
});

void test("oauth2: a failed early refresh keeps the still-valid token; a refused client is AuthenticationError without the secret", async (t) => {
  const issuer = await startIssuer();
  const { file, dir } = await credentialsFile(issuer.srv.url);
  const clock = new FakeClock();
  const auth = oauth2Auth({ credentialsFile: file, clock, timeoutMs: 2000 });
  t.after(async () => {
    auth.close?.();
    await issuer.srv.close();
    await rm(dir, { recursive: true });
  });
  await auth.headers();
  issuer.reject = true;
  clock.advance(75_000);
  assert.deepEqual(await auth.headers(), { authorization: "Bearer tok-1" });
  clock.advance(30_000);
  const err = await rejection(auth.headers());
  assert.ok(err instanceof AuthenticationError, String(err));
  assert.ok(!err.message.includes(SECRET));
  assert.ok(!JSON.stringify(err, Object.getOwnPropertyNames(err)).includes(SECRET));
});

void test("oauth2: missing or incomplete credentials file is AuthenticationError naming the file", async (t) => {
  const dir = await mkdtemp(`${tmpdir()}/pulsar-oauth-`);
  t.after(() => rm(dir, { recursive: true }));
  const missing = oauth2Auth({ credentialsFile: `${dir}/none.json`, clock: systemClock, timeoutMs: 500 });
  assert.ok((await rejection(missing.headers())) instanceof AuthenticationError);
  await writeFile(`${dir}/bad.json`, `{"client_secret": "${SECRET}"`);
  const bad = oauth2Auth({ credentialsFile: `${dir}/bad.json`, clock: systemClock, timeoutMs: 500 });
  const err = await rejection(bad.headers());
  assert.ok(err instanceof AuthenticationError);
  assert.match(err.message, /bad\.json/);
  assert.ok(!(err.cause instanceof Error && err.cause.message.includes(SECRET)));
  missing.close?.();
  bad.close?.();
});

void test("oauth2 against the admin API: Bearer sent, 401 refetches once", async (t) => {
  const issuer = await startIssuer();
  const { file, dir } = await credentialsFile(issuer.srv.url);
  let valid = "tok-1";
  const seen: Array<string | undefined> = [];
  const admin = await startHttp((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${valid}`)
      return sendJson(res, 401, { reason: "Need to authenticate to perform the request" });
    sendJson(res, 200, fixture("topic-stats-real-4.1.json"));
  });
  const c = cluster(admin.url, { auth: { kind: "oauth2", credentialsFile: file } });
  const auth = createAuthProvider(c.auth, { clock: systemClock, timeoutMs: 2000 });
  const client = new AdminClient(c, { clock: systemClock, auth });
  t.after(async () => {
    client.close();
    auth.close?.();
    await admin.close();
    await issuer.srv.close();
    await rm(dir, { recursive: true });
  });
  const topic = parseTopicName("public/default/orders");
  await client.topicStats(topic, false);
  valid = "tok-2"; // the broker revoked tok-1
  await client.topicStats(topic, false);
  assert.deepEqual(seen, ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
});
