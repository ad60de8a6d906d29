import { test } from "node:test";
import assert from "node:assert/strict";
import { mapHttpError, mapTransportError, retryAfterMs } from "../../src/pulsar/error-mapping.js";
import {
  AuthenticationError,
  AuthorizationError,
  NamespaceNotFoundError,
  NetworkError,
  RateLimitedError,
  ServerError,
  SubscriptionNotFoundError,
  TimeoutError,
  TopicNotFoundError,
} from "../../src/pulsar/errors.js";
import { safeUrl, scrubText } from "../../src/pulsar/safe-url.js";
import { fixture } from "./helpers.js";

const bodies = JSON.parse(fixture("error-bodies.json")) as Record<string, unknown>;
const URL = "http://broker:8080/admin/v2/persistent/public/default/orders/stats";
const NOW = Date.parse("2025-10-25T10:00:00Z");

function reply(status: number, key: string, contentType = "application/json", headers = {}) {
  const value = bodies[key];
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return { status, headers: { "content-type": contentType, ...headers }, body: Buffer.from(text), url: URL };
}

const cases: Array<[string, ReturnType<typeof reply>, abstract new (...a: never[]) => Error]> = [
  ["404 topic", reply(404, "404_topic_not_found_stats"), TopicNotFoundError],
  ["404 topic (older brokers)", reply(404, "404_topic_not_found_stats_older_brokers"), TopicNotFoundError],
  [
    "404 partitioned topic",
    reply(404, "404_partitioned_stats_on_non_partitioned_or_missing"),
    TopicNotFoundError,
  ],
  ["404 partitions metadata", reply(404, "404_partitions_metadata_missing_topic"), TopicNotFoundError],
  ["404 namespace does not exist", reply(404, "404_namespace_missing_topic_list"), NamespaceNotFoundError],
  ["404 namespace not found", reply(404, "404_namespace_missing_validate"), NamespaceNotFoundError],
  ["404 subscription", reply(404, "404_subscription_missing"), SubscriptionNotFoundError],
  ["401 authorization reason", reply(401, "401_authorization_denied"), AuthorizationError],
  ["401 need authentication", reply(401, "401_need_authentication"), AuthenticationError],
  [
    "401 html page",
    reply(401, "401_authentication_filter_text_html", "text/html;charset=utf-8"),
    AuthenticationError,
  ],
  ["403", reply(403, "401_authorization_denied"), AuthorizationError],
  ["412 invalid name", reply(412, "412_invalid_name"), ServerError],
  ["500 text/plain", reply(500, "500_unexpected_text_plain", "text/plain"), ServerError],
  ["429", reply(429, "412_invalid_name", "application/json", { "retry-after": "7" }), RateLimitedError],
];

for (const [name, r, cls] of cases) {
  void test(`maps ${name} to ${cls.name}`, () => {
    const err = mapHttpError(r, NOW);
    assert.ok(err instanceof cls, `${err.constructor.name}: ${err.message}`);
    assert.equal(err.url, URL);
    assert.ok(err.message.includes(URL));
  });
}

void test("404 without JSON is a missing topic", () => {
  const err = mapHttpError(
    { status: 404, headers: {}, body: Buffer.from("<html>nope</html>"), url: URL },
    NOW,
  );
  assert.ok(err instanceof TopicNotFoundError);
});

void test("500 keeps status and a scrubbed, bounded excerpt of the text", () => {
  const err = mapHttpError(reply(500, "500_unexpected_text_plain", "text/plain"), NOW);
  assert.ok(err instanceof ServerError);
  assert.equal(err.status, 500);
  assert.match(err.message, /Some internal failure/);
  assert.ok(err.message.length < 400);
  const e503 = mapHttpError({ status: 503, headers: {}, body: Buffer.alloc(0), url: URL }, NOW);
  assert.ok(e503 instanceof ServerError && e503.status === 503);
});

void test("Retry-After: seconds, HTTP date, absent, garbage", () => {
  const err = mapHttpError(reply(429, "412_invalid_name", "application/json", { "retry-after": "7" }), NOW);
  assert.ok(err instanceof RateLimitedError);
  assert.equal(err.retryAfterMs, 7000);
  assert.equal(retryAfterMs(new Date(NOW + 30_000).toUTCString(), NOW), 30_000);
  assert.equal(retryAfterMs(new Date(NOW - 30_000).toUTCString(), NOW), 0);
  assert.equal(retryAfterMs(undefined, NOW), undefined);
  assert.equal(retryAfterMs("soon", NOW), undefined);
});

void test("transport errors: refused/reset/DNS/TLS -> NetworkError, ETIMEDOUT -> TimeoutError, cause kept", () => {
  for (const code of [
    "ECONNREFUSED",
    "ECONNRESET",
    "ENOTFOUND",
    "EAI_AGAIN",
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "DEPTH_ZERO_SELF_SIGNED_CERT",
  ]) {
    const cause = Object.assign(new Error(`x ${code}`), { code });
    const err = mapTransportError(cause, URL);
    assert.ok(err instanceof NetworkError, code);
    assert.equal(err.cause, cause);
  }
  assert.ok(
    mapTransportError(Object.assign(new Error("t"), { code: "ETIMEDOUT" }), URL) instanceof TimeoutError,
  );
  const already = new TimeoutError("t", URL);
  assert.equal(mapTransportError(already, URL), already);
});

void test("safeUrl strips userinfo and secret query values; scrubText strips credentials", () => {
  const u = safeUrl(
    "https://alice:s3cret@broker:8443/ws/v2/reader/persistent/t/ns/x?messageId=latest&token=eyJabc",
  );
  assert.ok(!u.includes("s3cret") && !u.includes("alice") && !u.includes("eyJabc"), u);
  assert.match(u, /messageId=latest/);
  assert.equal(safeUrl("not a url"), "(invalid url)");
  const t = scrubText("header was Authorization: Bearer eyJ.a.b and token=abc&x=1 Basic YWxpY2U6cw==");
  assert.ok(!t.includes("eyJ.a.b") && !t.includes("abc&") && !t.includes("YWxpY2U6cw=="), t);
});
