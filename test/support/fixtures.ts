import { readFileSync } from "node:fs";

/**
 * Documents recorded from a real Pulsar 4.x broker (admin stats, error bodies, WebSocket frames):
 * the parsers' tests read them as text, the simulator's tests check it answers the same shapes.
 */
const PULSAR_FIXTURES = new URL("../fixtures/pulsar/", import.meta.url);

/** The text of test/fixtures/pulsar/<name>. */
export function pulsarFixture(name: string): string {
  return readFileSync(new URL(name, PULSAR_FIXTURES), "utf8");
}
