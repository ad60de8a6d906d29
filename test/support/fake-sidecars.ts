import { FakeSidecar } from "./fake-sidecar.js";
import { PROTOCOL_VERSION } from "../../src/contract/version.js";
import type { WatchKey } from "../../src/state/key.js";

export interface FakeSidecarFleet {
  readonly sidecars: readonly FakeSidecar[];
  close(): void;
}

/**
 * `count` sidecar sessions speaking the real contract (hello, then heartbeats at the interval the
 * welcome names), each announcing `keysOf(i)`. They never report: announce keys nobody uses, or
 * the hub's leases on them go stale.
 */
export async function connectFakeSidecars(
  url: string,
  token: string,
  count: number,
  keysOf: (i: number) => readonly WatchKey[],
): Promise<FakeSidecarFleet> {
  const sidecars: FakeSidecar[] = [];
  const timers: NodeJS.Timeout[] = [];
  const close = () => {
    for (const t of timers) clearInterval(t);
    for (const s of sidecars) s.terminate();
  };
  try {
    for (let i = 0; i < count; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, count - i) }, async (_, j) => {
          const s = await FakeSidecar.connect(url, token);
          sidecars.push(s);
          const welcome = await s.hello(keysOf(i + j), `fake-pod-${i + j}`);
          const beat = () => s.send({ v: PROTOCOL_VERSION, type: "heartbeat", sentAt: Date.now() });
          timers.push(setInterval(beat, welcome.heartbeatIntervalMs));
          return s;
        }),
      );
      void batch;
    }
  } catch (err) {
    close();
    throw err;
  }
  return { sidecars, close };
}
