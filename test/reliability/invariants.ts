import { status, type ServiceError } from "@grpc/grpc-js";
import type { ScaledObjectRef } from "../../src/keda/messages.js";
import type { KedaEmulator, StreamWatch } from "../../src/keda/keda-emulator.js";

/**
 * The invariants every reliability scenario checks:
 * 1. no GetMetrics answer without a fresh observation behind it: each value equals the
 *    simulator's real backlog at some moment within the staleness window before the answer
 *    (never an invented 0); otherwise the answer is an error (UNAVAILABLE, or the hub is down);
 * 2. every activation edge reaches every open stream.
 */

/** The true backlog of one subscription over time, as the test changes it (publish, ack, restart). */
export class BacklogHistory {
  /** [since epoch ms, backlog]; backlog undefined = unknown (e.g. the simulator is down). */
  private readonly segments: Array<[number, number | undefined]> = [];

  constructor(initial: number | undefined = 0) {
    this.segments.push([Date.now(), initial]);
  }

  /** Call right after the simulator's backlog changed (and before, with undefined, if unsure). */
  set(backlog: number | undefined): void {
    this.segments.push([Date.now(), backlog]);
  }

  get current(): number | undefined {
    return this.segments[this.segments.length - 1]?.[1];
  }

  /** Whether `value` was the backlog at some moment in [at - windowMs, at]. */
  plausible(value: number, at: number, windowMs: number): boolean {
    for (let i = 0; i < this.segments.length; i++) {
      const [from, v] = this.segments[i] as [number, number | undefined];
      const to = this.segments[i + 1]?.[0] ?? Infinity;
      // A change recorded just after it happened may be seen a moment early: 50 ms of slack.
      if (v === value && from - 50 <= at && to >= at - windowMs) return true;
    }
    return false;
  }
}

export interface ProbeOptions {
  readonly keda: KedaEmulator;
  readonly ref: ScaledObjectRef;
  readonly metricName: string;
  readonly history: BacklogHistory;
  /** The hub's staleness bound plus the slack of one poll. */
  readonly windowMs: number;
  readonly everyMs?: number;
}

/** Calls GetMetrics in a loop and checks each answer against the history. Stop it in `after`. */
export class MetricsProbe {
  readonly violations: string[] = [];
  readonly values: number[] = [];
  readonly codes = new Map<number, number>();
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly o: ProbeOptions) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    const every = this.o.everyMs ?? 25;
    // Bounded: at most 10 minutes of probing even if nobody stops it.
    for (let i = 0; !this.stopped && i < 600_000 / every; i++) {
      try {
        const res = await this.o.keda.getMetrics(this.o.ref, this.o.metricName);
        const at = Date.now();
        const v = res.metricValues[0]?.metricValueFloat ?? NaN;
        this.values.push(v);
        if (!this.o.history.plausible(v, at, this.o.windowMs)) {
          this.violations.push(
            `GetMetrics answered ${v} at ${at}; backlog history ${JSON.stringify(this.o.history)}`,
          );
        }
      } catch (err) {
        const code = (err as ServiceError).code ?? status.UNKNOWN;
        this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
        if (code !== status.UNAVAILABLE && code !== status.DEADLINE_EXCEEDED) {
          this.violations.push(`GetMetrics failed with code ${code}: ${(err as ServiceError).details}`);
        }
      }
      await new Promise((r) => setTimeout(r, every));
    }
  }

  /** The newest successful value (NaN when none yet). */
  get last(): number {
    return this.values[this.values.length - 1] ?? NaN;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }
}

/** One StreamIsActive stream per ref; counts the `true` pushes each received. */
export class StreamProbe {
  readonly pushes: number[];
  private readonly watches: StreamWatch[];

  constructor(keda: KedaEmulator, refs: readonly ScaledObjectRef[]) {
    this.pushes = refs.map(() => 0);
    this.watches = refs.map((ref, i) =>
      keda.watch(ref, {
        onPush: (r) => {
          if (r.result) this.pushes[i] = (this.pushes[i] ?? 0) + 1;
        },
      }),
    );
  }

  /** Whether every stream has at least `n` pushes. */
  allReached(n: number): boolean {
    return this.pushes.every((p) => p >= n);
  }

  get opens(): number[] {
    return this.watches.map((w) => w.opens);
  }

  stop(): void {
    for (const w of this.watches) w.stop();
  }
}
