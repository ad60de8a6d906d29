import { status, type ServiceError } from "@grpc/grpc-js";

/**
 * Hostile callers of a hub on loopback, for the hostile suite (test/hostile/) and the benchmark
 * rows of `npm run bench -- --hostile` (bench/scenarios/hostile-attacks.ts). Each attack
 * is bounded (its sizes come in as arguments), reports what the hub answered, and leaves nothing
 * open when it resolves.
 */

/** Where the hub listens. */
export interface AttackTarget {
  /** 127.0.0.1:<gRPC port> */
  readonly grpcAddress: string;
  readonly httpPort: number;
  /** The sidecar token, for attacks by a token holder. */
  readonly sidecarToken: string;
  /** A Pulsar admin URL the hub has configured (junk metadata names it, to get past the cluster check). */
  readonly adminUrl: string;
}

/** What one attack sent and how the hub answered: outcome name -> count. */
export interface AttackResult {
  readonly sent: number;
  readonly outcomes: Readonly<Record<string, number>>;
}

/** Counts outcomes by name. */
export class Tally {
  private readonly counts: Record<string, number> = {};
  sent = 0;

  add(outcome: string, n = 1): void {
    this.counts[outcome] = (this.counts[outcome] ?? 0) + n;
  }

  get(outcome: string): number {
    return this.counts[outcome] ?? 0;
  }

  result(): AttackResult {
    return { sent: this.sent, outcomes: { ...this.counts } };
  }
}

/** The gRPC status name of a failed call ("OK" for a success). */
export function codeName(err: unknown): string {
  if (err === undefined) return "OK";
  const code = (err as Partial<ServiceError>).code;
  return typeof code === "number" ? (status[code] ?? String(code)) : "UNKNOWN";
}

/** Runs `count` jobs, `concurrency` at a time. */
export async function inParallel(
  count: number,
  concurrency: number,
  job: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
