import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { status, type ServiceError } from "@grpc/grpc-js";
import { META, ref, startHarness, type Harness } from "./harness.js";

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

async function refusal(meta: Record<string, string>): Promise<ServiceError> {
  try {
    await h.emulator().isActive(ref(meta));
  } catch (err) {
    return err as ServiceError;
  }
  return assert.fail("expected the call to fail");
}

void test("`.`, `..` and empty topic parts, malformed schemes and bad subscriptions are INVALID_ARGUMENT naming the part", async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ topic: "persistent://../default/orders" }, /metadata topic = .*tenant part "\.\." must be a name/],
    [{ topic: "persistent://public/./orders" }, /metadata topic = .*namespace part "\." must be a name/],
    [{ topic: "persistent://public//orders" }, /metadata topic = .*namespace part "" must be a name/],
    [{ topic: "public/default/.." }, /metadata topic = .*topic part "\.\." must be a name/],
    [
      { topic: "persistent:/public/orders" },
      /^trigger metadata topic = "persistent:\/public\/orders": scheme "persistent:\/" must be persistent:\/\/ or non-persistent:\/\/ \(persistent:\/\/tenant\/namespace\/topic, non-persistent:\/\/tenant\/namespace\/topic or tenant\/namespace\/topic\)$/,
    ],
    [
      { topic: "persistent//public/default/x" },
      /metadata topic = .*: scheme "persistent\/\/" must be persistent:\/\//,
    ],
    [{ subscription: ".." }, /metadata subscription = "\.\.": expected a name: not empty, "\." or "\.\."/],
    [{ subscription: "." }, /metadata subscription = "\.": expected a name/],
  ];
  for (const [over, message] of cases) {
    const err = await refusal({ ...META, ...over });
    assert.equal(err.code, status.INVALID_ARGUMENT, JSON.stringify(over));
    assert.match(err.details, message);
  }
  assert.equal(h.state.calls.length, 0, "no refused trigger reached the state");
});
