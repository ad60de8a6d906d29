import assert from "node:assert/strict";
import { test } from "node:test";
import {
  InvalidTopicNameError,
  isPathStep,
  parseTopicName,
  topicPath,
  topicToString,
} from "../../src/pulsar/topic-name.js";

void test("topic names: `.`, `..` and empty parts are refused, naming the part", () => {
  const cases: Array<[string, RegExp]> = [
    ["persistent://../default/orders", /^tenant part "\.\." must be a name/],
    ["persistent://./default/orders", /^tenant part "\." must be a name/],
    ["persistent:///default/orders", /^tenant part "" must be a name/],
    ["persistent://public/../orders", /^namespace part "\.\." must be a name/],
    ["persistent://public/./orders", /^namespace part "\." must be a name/],
    ["persistent://public//orders", /^namespace part "" must be a name/],
    ["persistent://public/default/..", /^topic part "\.\." must be a name/],
    ["persistent://public/default/.", /^topic part "\." must be a name/],
    ["persistent://public/default/", /^topic part "" must be a name/],
    ["public/default/..", /^topic part "\.\." must be a name/],
    ["non-persistent://public/../x", /^namespace part "\.\." must be a name/],
  ];
  for (const [raw, message] of cases) {
    assert.throws(
      () => parseTopicName(raw),
      (err: unknown) => err instanceof InvalidTopicNameError && message.test(err.message),
      raw,
    );
  }
});

void test("topic names: dots inside a name are fine", () => {
  for (const raw of ["persistent://a.b/c.d/e.f", "persistent://.../ns/x", "t/ns/..x", "t/ns/x.."]) {
    assert.equal(topicToString(parseTopicName(raw)).endsWith(raw.replace(/^persistent:\/\//, "")), true, raw);
  }
});

void test("isPathStep: empty, `.` and `..` only", () => {
  assert.deepEqual(["", ".", "..", "...", ".a", "a.", "%2e%2e"].map(isPathStep), [
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

void test("topicPath encodes every part, so `%` sequences stay literal and never become path steps", () => {
  const t = parseTopicName("persistent://te%2e%2e/ns:1/or=ders%2F..");
  assert.equal(topicPath(t), "persistent/te%252e%252e/ns%3A1/or%3Dders%252F..");
  const url = new URL(`http://broker:8080/admin/v2/${topicPath(t)}/stats`);
  assert.equal(url.pathname, "/admin/v2/persistent/te%252e%252e/ns%3A1/or%3Dders%252F../stats");
});

void test("topic names: a malformed scheme is refused naming the expected forms, not read as a tenant", () => {
  const cases: Array<[string, string]> = [
    ["persistent:/public/orders", "persistent:/"],
    ["persistent//public/default/x", "persistent//"],
    ["non-persistent:/public/default/x", "non-persistent:/"],
    ["persistant://public/default/x", "persistant://"],
    ["persistent:public/default/x", "persistent:"],
  ];
  for (const [raw, scheme] of cases) {
    assert.throws(
      () => parseTopicName(raw),
      (err: unknown) =>
        err instanceof InvalidTopicNameError &&
        err.message ===
          `scheme ${JSON.stringify(scheme)} must be persistent:// or non-persistent:// (persistent://tenant/namespace/topic, non-persistent://tenant/namespace/topic or tenant/namespace/topic)`,
      raw,
    );
  }
  // A colon inside a tenant (Pulsar allows it) and the two real schemes still parse.
  for (const raw of ["te:nant/ns/x", "persistent://public/default/x", "non-persistent://public/default/x"]) {
    assert.doesNotThrow(() => parseTopicName(raw), raw);
  }
});
