import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  NamespaceNotFoundError,
  RateLimitedError,
  ServerError,
  TopicNotFoundError,
} from "../../src/pulsar/errors.js";
import { PollSchedule } from "../../src/watch/schedule.js";
import { DEFAULT_WATCH_TIMINGS, retryAfterWithin, watchTimings } from "../../src/watch/timings.js";
import { ConfigError } from "../../src/lib/errors.js";

const T = DEFAULT_WATCH_TIMINGS;
const NOW = 1_000_000;
const top = () => 0.9999999;

void describe("watch timings", () => {
  void it("defaults in one place", () => {
    assert.deepEqual(
      { ...T },
      {
        arrivalDebounceMs: 50,
        fastPollMs: 1000,
        activePollMs: 15000,
        slowPollMs: 30000,
        noArrivalsPollMs: 5000,
        errorBackoffBaseMs: 1000,
        errorBackoffMaxMs: 30000,
        retryAfterMaxMs: 90000,
      },
    );
  });

  void it("overrides and reports every bad value", () => {
    assert.equal(watchTimings({ fastPollMs: 200 }).fastPollMs, 200);
    assert.throws(
      () => watchTimings({ fastPollMs: 0, slowPollMs: Number.NaN, errorBackoffMaxMs: 10 }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 3,
    );
  });
});

void describe("PollSchedule", () => {
  void it("KEDA's read rate while the backlog is above the threshold, slow when idle with arrivals connected", () => {
    const s = new PollSchedule(T);
    s.setArrivalsConnected(true);
    assert.equal(s.afterSuccess(1), 15000);
    assert.equal(s.afterSuccess(0), 30000);
  });

  void it("fastPollAbove moves the fast-poll threshold", () => {
    const s = new PollSchedule(T, 10);
    s.setArrivalsConnected(true);
    assert.equal(s.afterSuccess(10), 30000);
    assert.equal(s.afterSuccess(11), 15000);
  });

  void it("a drain towards the threshold polls when it would reach it, never sooner than fastPollMs", () => {
    const s = new PollSchedule(T, 10);
    s.pollStarted(NOW);
    assert.equal(s.afterSuccess(110), 15000);
    // 110 -> 60 in 15 s: 50 to go reaches 10 in 15 s more (capped by activePollMs).
    s.pollStarted(NOW + 15000);
    assert.equal(s.afterSuccess(60), 15000);
    // 60 -> 30 in 6 s: 20 to go, 4 s.
    s.pollStarted(NOW + 21000);
    assert.equal(s.afterSuccess(30), 4000);
    // 30 -> 11 in 4 s: 1 to go, 211 ms, but never sooner than fastPollMs.
    s.pollStarted(NOW + 25000);
    assert.equal(s.afterSuccess(11), 1000);
    // Growing again: no drain, KEDA's read rate.
    s.pollStarted(NOW + 26000);
    assert.equal(s.afterSuccess(500), 15000);
  });

  void it("under steady traffic (a backlog that does not drain) polls at KEDA's read rate", () => {
    const s = new PollSchedule(T);
    s.setArrivalsConnected(true);
    let at = NOW;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      s.pollStarted(at);
      const d = s.afterSuccess(5 + (i % 2));
      delays.push(d);
      at += d;
    }
    const perMinute = (delays.length * 60_000) / (at - NOW);
    assert.ok(perMinute <= 8, `${perMinute} polls per minute`);
  });

  void it("idle without arrivals: the no-arrivals interval", () => {
    const s = new PollSchedule(T);
    assert.equal(s.afterSuccess(0), 5000);
    assert.equal(s.afterSuccess(3), 15000);
  });

  void it("error backoff doubles up to the cap and resets on success", () => {
    const s = new PollSchedule(T, 0, top);
    const delays = Array.from({ length: 7 }, () => s.afterError(new ServerError("503", "u", 503)));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    assert.equal(s.consecutiveFailures, 7);
    s.setArrivalsConnected(true);
    assert.equal(s.afterSuccess(0), 30000);
    assert.equal(s.afterError(new Error("x")), 1000);
  });

  void it("jitter stays within [base, ceiling]", () => {
    const s = new PollSchedule(T, 0, () => 0);
    assert.equal(s.afterError(new Error("x")), 1000);
    assert.equal(s.afterError(new Error("x")), 1000);
  });

  void it("Retry-After wins when larger than the backoff, capped at retryAfterMaxMs", () => {
    const s = new PollSchedule(T, 0, () => 0);
    assert.equal(s.afterError(new RateLimitedError("429", "u", 7000)), 7000);
    assert.equal(s.afterError(new RateLimitedError("429", "u", 10)), 1000, "smaller: backoff");
    assert.equal(s.afterError(new RateLimitedError("429", "u", undefined)), 1000);
    assert.equal(
      s.afterError(new RateLimitedError("429", "u", 3_600_000)),
      90_000,
      "the default staleness bound",
    );
  });

  void it("a topic or namespace that does not exist is asked again at the idle rate, not the backoff's", () => {
    const s = new PollSchedule(T, 0, () => 0.5);
    assert.equal(s.afterError(new TopicNotFoundError("HTTP 404: Topic not found", "u")), 30_000);
    assert.equal(s.afterError(new NamespaceNotFoundError("HTTP 404: Namespace not found", "u")), 30_000);
    const other = s.afterError(new ServerError("503", "u", 503));
    assert.ok(other < 30_000, `other errors keep the backoff (${other} ms)`);
    assert.equal(s.arrivalPollAt(NOW), undefined, "arrivals do not pull a ghost's poll in");
  });

  void it("the hub's watchers honour a Retry-After up to its staleness bound at most", () => {
    const s = new PollSchedule(retryAfterWithin(T, 20_000), 0, () => 0);
    assert.equal(s.afterError(new RateLimitedError("429", "u", 300_000)), 20_000);
    assert.equal(retryAfterWithin(T, 600_000), T, "a larger bound keeps retryAfterMaxMs");
  });

  void it("an arrival asks for a poll after the debounce, at most once per fast interval, never in backoff", () => {
    const s = new PollSchedule(T);
    assert.equal(s.arrivalPollAt(NOW), NOW + 50);
    s.pollStarted(NOW + 50);
    assert.equal(s.arrivalPollAt(NOW + 100), NOW + 1050);
    assert.equal(s.arrivalPollAt(NOW + 5000), NOW + 5050);
    s.afterError(new Error("x"));
    assert.equal(s.arrivalPollAt(NOW + 6000), undefined);
  });
});
