import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CloseCode } from "../../src/contract/close-codes.js";
import { PROTOCOL_VERSION as v } from "../../src/contract/version.js";
import { hubTokenScope, readTokensFile, scopeOf, tokenBook } from "../../src/hub/sidecar-tokens.js";
import { FakeSidecar } from "../support/fake-sidecar.js";
import { tempDir } from "../support/temp-dir.js";
import { key, startGateway } from "./gateway-harness.js";

const dir = tempDir("pps-tokens-");
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

void test("tokens: each speaks for its namespaces; the single one for the hub's own", () => {
  const entries = [
    { token: "a", namespaces: new Set(["team-a"]) },
    { token: "b", namespaces: new Set(["team-b"]) },
  ];
  assert.deepEqual(scopeOf("Bearer a", entries), new Set(["team-a"]));
  assert.equal(scopeOf("Bearer c", entries), undefined);
  assert.equal(scopeOf(undefined, entries), undefined);
  assert.deepEqual(hubTokenScope("mine", "all"), new Set(["mine"]));
  assert.deepEqual(hubTokenScope("", ["x", "y"]), new Set(["x", "y"]));
  assert.equal(hubTokenScope(undefined, "all"), "all");
});

void test("tokens file: YAML or JSON, paths relative to it, re-read on every call; bad entries named", () => {
  const tokens = file("tokens.yaml", "team-a: a.token\n");
  file("a.token", "first\n");
  assert.deepEqual(readTokensFile(tokens), new Map([["team-a", join(dir, "a.token")]]));
  const book = tokenBook({ singleScope: "all", tokensFile: tokens });
  assert.ok(book);
  assert.deepEqual(book(), [{ token: "first", namespaces: new Set(["team-a"]) }]);
  file("a.token", "second");
  file("tokens.yaml", '{"team-a": "a.token", "team-b": "a.token"}');
  assert.deepEqual(
    book().map((e) => e.token),
    ["second", "second"],
  );
  file("tokens.yaml", "Team_A: a.token\n");
  assert.throws(() => readTokensFile(tokens), /entry "Team_A": expected a namespace/);
  file("tokens.yaml", "[1, 2]\n");
  assert.throws(() => readTokensFile(tokens), /expected namespace: token-file/);
  file("empty.token", "\n");
  file("tokens.yaml", "team-a: empty.token\n");
  assert.throws(() => book(), /token file of namespace team-a .* is empty/);
  assert.equal(tokenBook({ singleScope: "all" }), undefined, "no token at all: gateway off");
});

void test("hello: a namespace the token does not speak for, or an unknown cluster, closes 4006", async (t) => {
  const h = await startGateway({
    tokens: () => [{ token: "t-a", namespaces: new Set(["team-a"]) }],
    knownCluster: (name) => name === "local",
  });
  t.after(() => h.close());
  const other = await FakeSidecar.connect(h.url, "t-a");
  other.send({ v, type: "hello", pod: "p", namespace: "team-b", keys: [key()], sidecarVersion: "x" });
  assert.deepEqual(await other.closed, {
    code: CloseCode.forbidden,
    reason: "token not valid for namespace team-b",
  });

  const foreign = await FakeSidecar.connect(h.url, "t-a");
  const far = { ...key(), cluster: "far" };
  foreign.send({ v, type: "hello", pod: "p", namespace: "team-a", keys: [key(), far], sidecarVersion: "x" });
  assert.deepEqual(await foreign.closed, {
    code: CloseCode.forbidden,
    reason: "cluster not configured on the hub: far",
  });
  // A v1 sidecar gets a code of its version (4003), with the same reason.
  const old = await FakeSidecar.connect(h.url, "t-a");
  old.send({ v: 1, type: "hello", pod: "p", namespace: "team-b", keys: [], sidecarVersion: "0.1.0" });
  assert.deepEqual(await old.closed, {
    code: CloseCode.keyNotLeased,
    reason: "token not valid for namespace team-b",
  });

  const ok = await FakeSidecar.connect(h.url, "t-a");
  await ok.hello([key()], "p", "team-a");
  const joined = await h.handler.next("joined");
  assert.equal(joined.session.namespace, "team-a");
  const stats = h.gateway.stats();
  assert.equal(stats.rejected.namespace_forbidden, 2);
  assert.equal(stats.rejected.cluster_unknown, 1);
  assert.equal(stats.sessionsJoined, 1, "refused hellos never join");
});
