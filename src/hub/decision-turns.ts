import type { LeaseDecision } from "../state/leases.js";

/** Lease decisions carried out per event-loop turn by default. */
export const DEFAULT_DECISIONS_PER_TURN = 64;
/** Sidecars that left dropped from the lease table per turn (each costs its own keys). */
const SIDECARS_PER_TURN = 16;

export interface DecisionTurnsOptions {
  /** Carries out one decision (must not throw). */
  readonly perform: (d: LeaseDecision) => void;
  /** Drops a sidecar that left from the lease table; returns the table's decisions. */
  readonly drop: (sidecar: string) => readonly LeaseDecision[];
  /** Default DEFAULT_DECISIONS_PER_TURN. */
  readonly decisionsPerTurn?: number | undefined;
  /** Runs `fn` on a later event-loop turn (default setImmediate: after pending I/O). */
  readonly nextTurn?: ((fn: () => void) => void) | undefined;
}

/**
 * The lease coordinator's work, spread over event-loop turns: 1,000 sidecar sessions of 256 keys
 * ending at once froze the hub for 2.4 s, because every departure and every decision (a hub
 * watcher start, a grant) ran in the I/O phase that saw the sockets close. Decisions are carried
 * out in the order the table made them, at most `decisionsPerTurn` per turn; departures are
 * dropped from the table at most SIDECARS_PER_TURN per turn, after the decisions queued before
 * them. Whatever is left waits for the next turn, so KEDA calls are answered in between. Small
 * amounts (a KEDA call's, one sidecar's) are carried out at once, as before.
 */
export class DecisionTurns {
  /** Decisions not yet carried out; `queued[head]` is the next one. */
  private queued: LeaseDecision[] = [];
  private head = 0;
  /** Sidecars that left, not yet dropped; `leaving[leavingHead]` is the next. */
  private leaving: string[] = [];
  private leavingHead = 0;
  private readonly perTurn: number;
  /** What this turn may still do. */
  private budget: number;
  private dropsLeft = SIDECARS_PER_TURN;
  private armed = false;

  constructor(private readonly o: DecisionTurnsOptions) {
    this.perTurn = Math.max(1, o.decisionsPerTurn ?? DEFAULT_DECISIONS_PER_TURN);
    this.budget = this.perTurn;
  }

  push(decisions: readonly LeaseDecision[]): void {
    if (decisions.length > 0) this.queued.push(...decisions);
    this.work();
  }

  /** A sidecar left: it is dropped from the table in its turn. */
  leave(sidecar: string): void {
    this.leaving.push(sidecar);
    this.work();
  }

  get pendingDecisions(): number {
    return this.queued.length - this.head;
  }

  get pendingLeaves(): number {
    return this.leaving.length - this.leavingHead;
  }

  private work(): void {
    for (;;) {
      while (this.head < this.queued.length && this.budget > 0) {
        this.budget--;
        this.o.perform(this.queued[this.head++] as LeaseDecision);
      }
      if (this.budget <= 0 || this.dropsLeft <= 0 || this.pendingLeaves === 0) break;
      this.dropsLeft--;
      this.queued.push(...this.o.drop(this.leaving[this.leavingHead++] as string));
    }
    if (this.pendingDecisions === 0) {
      this.queued = [];
      this.head = 0;
    }
    if (this.pendingLeaves === 0) {
      this.leaving = [];
      this.leavingHead = 0;
    }
    if (this.budget < this.perTurn || this.dropsLeft < SIDECARS_PER_TURN) this.arm();
  }

  /** The next turn restores the budgets and goes on. */
  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    (this.o.nextTurn ?? setImmediate)(() => {
      this.armed = false;
      this.budget = this.perTurn;
      this.dropsLeft = SIDECARS_PER_TURN;
      this.work();
    });
  }
}
