import type { Clock, TimerHandle } from "../../lib/clock.js";
import { TimeoutError } from "../errors.js";
import { BaseCommand_Type as T, type Command } from "./generated/pulsar-api.js";

interface Pending {
  readonly resolve: (c: Command) => void;
  readonly reject: (e: Error) => void;
  readonly timer: TimerHandle;
}

/** Requests of one connection waiting for the reply carrying their request id, each with a deadline. */
export class PendingRequests {
  private readonly pending = new Map<bigint, Pending>();

  constructor(
    private readonly clock: Clock,
    private readonly url: string,
  ) {}

  /** Requests still waiting for their reply. */
  get size(): number {
    return this.pending.size;
  }

  /** Resolves with the reply to `command` (sent by the caller), or rejects after `ms`. */
  wait(id: bigint, command: Command, ms: number): Promise<Command> {
    return new Promise<Command>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new TimeoutError(`no reply to ${commandName(command.type)} within ${ms} ms`, this.url));
      }, ms);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  /** Resolves the request `id`; false when none waits (a late or stray reply). */
  resolve(id: bigint, reply: Command): boolean {
    const p = this.take(id);
    p?.resolve(reply);
    return p !== undefined;
  }

  /** Rejects the request `id`; false when none waits. */
  reject(id: bigint, err: Error): boolean {
    const p = this.take(id);
    p?.reject(err);
    return p !== undefined;
  }

  rejectAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.reject(id, err);
  }

  private take(id: bigint): Pending | undefined {
    const p = this.pending.get(id);
    if (p === undefined) return undefined;
    this.pending.delete(id);
    this.clock.clearTimeout(p.timer);
    return p;
  }
}

/** BaseCommand.Type name of a code, for messages. */
export function commandName(code: number): string {
  return Object.entries(T).find(([, v]) => v === code)?.[0] ?? String(code);
}
