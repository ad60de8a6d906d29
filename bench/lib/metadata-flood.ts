import { KedaEmulator } from "../../src/keda/keda-emulator.js";

/**
 * A hostile KEDA caller, run as its own process by bench/scenarios/hostile-metadata.ts so that
 * encoding its messages does not delay the valid caller it is measured against:
 * `metadata-flood.ts ADDRESS ADMIN_URL big|small COUNT CONCURRENCY`. Sends COUNT GetMetricSpec
 * calls, CONCURRENCY at a time, each with distinct junk metadata: `big`, a 4 MB topic; `small`,
 * alternately a 1,025-byte topic and a 1 KiB isPartitionedTopic that does not parse. Prints one
 * JSON line: `{"calls": n, "rejected": n}`.
 */

const BIG = 4_000_000; // under gRPC's 4 MiB default message limit

async function main(): Promise<void> {
  const [address = "", adminURL = "", kind = "small", countArg = "0", concurrencyArg = "1"] =
    process.argv.slice(2);
  const count = Number(countArg);
  const keda = new KedaEmulator({ address });
  const big = "t".repeat(BIG);
  const pad = "z".repeat(1100);
  const metadata = (i: number): Record<string, string> => {
    const base = { adminURL, subscription: "s", topic: "persistent://public/default/hm-orders" };
    if (kind === "big") return { ...base, topic: `${i}${big}` };
    return i % 2 === 0
      ? { ...base, topic: `persistent://public/default/${i}-${pad}`.slice(0, 1025) }
      : { ...base, isPartitionedTopic: `maybe-${i}-${pad}`.slice(0, 1024) };
  };
  let next = 0;
  let rejected = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await keda.getMetricSpec({ name: `junk-${i}`, namespace: "bench", scalerMetadata: metadata(i) }).then(
        () => undefined,
        () => rejected++,
      );
    }
  };
  await Promise.all(Array.from({ length: Number(concurrencyArg) }, worker));
  keda.close();
  process.stdout.write(`${JSON.stringify({ calls: count, rejected })}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
