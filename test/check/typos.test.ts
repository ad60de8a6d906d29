import assert from "node:assert/strict";
import { test } from "node:test";
import { METADATA_KEYS } from "../../src/keda/metadata.js";
import { KEDA_METADATA_KEYS, likelyTypos, osaDistance } from "../../src/check/typos.js";

void test("osaDistance: insertions, deletions, substitutions and adjacent transpositions cost 1", () => {
  const cases: Array<[string, string, number]> = [
    ["", "", 0],
    ["abc", "", 3],
    ["", "abc", 3],
    ["topic", "topic", 0],
    ["topc", "topic", 1],
    ["topiic", "topic", 1],
    ["tepic", "topic", 1],
    ["tpoic", "topic", 1],
    ["ca", "abc", 3], // OSA, not unrestricted Damerau-Levenshtein (which says 2)
    ["kitten", "sitting", 3],
  ];
  for (const [a, b, d] of cases) {
    assert.equal(osaDistance(a, b), d, `${a} ~ ${b}`);
    assert.equal(osaDistance(b, a), d, `${b} ~ ${a}`);
  }
});

void test("likelyTypos: misspelt and miscased keys name the key they resemble", () => {
  const cases: Array<[string, string]> = [
    ["msgBacklogThresold", "msgBacklogThreshold"],
    ["subscripton", "subscription"],
    ["activationMsgBacklogThreshhold", "activationMsgBacklogThreshold"],
    ["adminUrl", "adminURL"],
    ["ispartitionedtopic", "isPartitionedTopic"],
    ["msgBacklogTreshhold", "msgBacklogThreshold"],
    ["subcsription", "subscription"],
    ["topicFromenv", "topicFromEnv"],
    ["Topic", "topic"],
    ["topc", "topic"],
    ["metrics", "metric"],
    ["scalerAdress", "scalerAddress"],
    ["enableTls", "enableTLS"],
  ];
  for (const [key, resembles] of cases) {
    assert.deepEqual(likelyTypos([key]), [{ key, resembles }], key);
  }
});

void test("likelyTypos: known keys, KEDA's own keys and keys far from every known one are never flagged", () => {
  assert.deepEqual(likelyTypos([...METADATA_KEYS, ...KEDA_METADATA_KEYS]), []);
  // Short keys get one edit only; unrelated keys stay ignored, as the hub ignores them.
  const far = ["tpc", "team", "owner", "description", "msgBacklog", "authModeX", "useCachedMetrics", "x"];
  assert.deepEqual(likelyTypos(far), []);
});
