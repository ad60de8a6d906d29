import { backoffDelay, type BackoffOptions } from "../../lib/backoff.js";
import type { Clock, TimerHandle } from "../../lib/clock.js";
import type { Logger } from "../../lib/logger.js";
import { NetworkError, TimeoutError } from "../errors.js";
import type { ArrivalStatus } from "../ports.js";
import type { ArrivalEvent } from "../snapshot.js";
import type { TopicName } from "../topic-name.js";
import type { PulsarCodec } from "./commands.js";
import type { BinaryConnection } from "./connection.js";
import type { ConsumerHandler } from "./connection-options.js";
import { BaseCommand_Type as T } from "./generated/pulsar-api.js";
import { lookupTopic, type BrokerTarget } from "./lookup.js";
import type { ConnectionPool } from "./pool.js";
import { assigned, closeConsumer, subscribeFromLatest } from "./tripwire-commands.js";

export interface TripwireOptions {
  readonly pool: ConnectionPool;
  readonly serviceUrl: string;
  /** Base topic, and partition index (-1: not partitioned); `wireTopic` is what SUBSCRIBE names. */
  readonly topic: TopicName;
  readonly partition: number;
  readonly wireTopic: string;
  readonly codec: PulsarCodec;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Resubscribe after an unload or a lost connection (default 100 ms doubling to 30 s, jitter). */
  readonly backoff?: BackoffOptions;
  readonly onArrival: (e: ArrivalEvent) => void;
  readonly onStatus: (s: ArrivalStatus) => void;
  /** Every MESSAGE received, the firing one and any that came with it. */
  readonly onMessage?: () => void;
  readonly onConsumerOpen?: (open: boolean) => void;
}

type State = "arming" | "armed" | "fired" | "rearming" | "waiting" | "closed";

interface Current {
  readonly conn: BinaryConnection;
  readonly id: bigint;
  readonly target: BrokerTarget;
  readonly onClose: () => void;
}

/**
 * The tripwire of one topic or partition (PULSAR-BINARY.md §6): a non-durable Exclusive SUBSCRIBE
 * from latest with one permit. The first MESSAGE fires it: reported, nothing more granted. `rearm()`
 * closes the consumer (awaiting SUCCESS) and subscribes again from latest with FLOW 1: a bare FLOW
 * would deliver a message queued meanwhile. A broker CLOSE_CONSUMER (unload) or a lost connection
 * resubscribes with backoff; every arming says `connected`, so the watcher polls the gap.
 */
export class TripwireConsumer {
  private state: State = "waiting";
  private current: Current | undefined;
  private generation = 0;
  private attempt = 0;
  private timer: TimerHandle | undefined;

  constructor(private readonly o: TripwireOptions) {}

  start(): void {
    void this.arm(undefined);
  }

  /** Re-arms a fired tripwire from latest; a no-op while armed or already arming. */
  rearm(): void {
    if (this.state !== "fired" || this.current === undefined) return;
    const { conn, id, target } = this.current;
    this.detach();
    this.state = "rearming";
    const gen = ++this.generation;
    conn
      .request((request_id) => closeConsumer(id, request_id))
      .then(
        () => {
          conn.unregisterConsumer(id);
          if (gen === this.generation) void this.arm(target);
        },
        (err: unknown) => {
          conn.unregisterConsumer(id);
          if (gen === this.generation) this.retry(asError(err), undefined);
        },
      );
  }

  /**
   * Stops the tripwire: CLOSE_CONSUMER is sent but its reply not awaited (a broker that never
   * answers must not hold up a shutdown; the connection's request deadline or its close ends it).
   */
  close(): Promise<void> {
    if (this.state === "closed") return Promise.resolve();
    this.state = "closed";
    this.generation++;
    if (this.timer) this.o.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const cur = this.current;
    this.detach();
    if (cur !== undefined) void this.closeQuietly(cur.conn, cur.id);
    return Promise.resolve();
  }

  /** Subscribes at `direct` (the last owner, or the broker a CLOSE_CONSUMER assigned) or after a lookup. */
  private async arm(direct: BrokerTarget | undefined): Promise<void> {
    const gen = ++this.generation;
    this.state = "arming";
    let conn: BinaryConnection | undefined;
    let id: bigint | undefined;
    try {
      const target = direct ?? (await lookupTopic(this.o.pool, this.o.serviceUrl, this.o.wireTopic));
      if (gen !== this.generation) return;
      conn = await this.o.pool.get(target.url, target.proxyToBroker);
      if (gen !== this.generation) return;
      id = conn.newConsumerId();
      // Registered before SUBSCRIBE: the broker may send MESSAGE before SUCCESS is read (Go fix).
      conn.registerConsumer(id, this.handler(gen));
      await this.subscribe(conn, id);
      if (gen !== this.generation) {
        void this.closeQuietly(conn, id);
        return;
      }
      // SUCCESS and the connection's end may come in one read: then no `close` is left to hear.
      if (conn.closed) throw new NetworkError("connection lost right after SUBSCRIBE", conn.address.url);
      conn.send({ type: T.FLOW, flow: { consumer_id: id, messagePermits: 1 } });
      const c = conn;
      const onClose = (): void => this.onConnectionClosed(gen, c);
      conn.once("close", onClose);
      this.current = { conn, id, target, onClose };
      this.o.onConsumerOpen?.(true);
      this.state = "armed";
      this.attempt = 0;
      this.o.onStatus({ kind: "connected", topic: this.o.topic, partition: this.o.partition });
    } catch (err) {
      if (conn !== undefined && id !== undefined) conn.unregisterConsumer(id);
      if (gen === this.generation) this.retry(asError(err), undefined);
    }
  }

  private async subscribe(conn: BinaryConnection, id: bigint): Promise<void> {
    try {
      await conn.request((request_id) => subscribeFromLatest(this.o.wireTopic, id, request_id));
    } catch (err) {
      // A SUBSCRIBE that timed out may still complete on the broker: close it before retrying.
      if (err instanceof TimeoutError) void this.closeQuietly(conn, id);
      throw err;
    }
  }

  private closeQuietly(conn: BinaryConnection, id: bigint): Promise<void> {
    return conn
      .request((request_id) => closeConsumer(id, request_id))
      .then(
        () => conn.unregisterConsumer(id),
        () => conn.unregisterConsumer(id),
      );
  }

  private handler(gen: number): ConsumerHandler {
    return {
      onMessage: (_message, payload) => {
        this.o.onMessage?.();
        if (gen !== this.generation || this.state !== "armed") return;
        this.state = "fired";
        const receivedAt = this.o.clock.now();
        let publishTime = receivedAt;
        try {
          // A failed checksum still means a message came; only its metadata is not to be trusted.
          if (payload !== undefined && payload.checksumOk !== false) {
            publishTime = this.o.codec.publishTime(payload.metadata);
          }
        } catch (err) {
          this.o.logger?.debug({ err: asError(err).message }, "tripwire message metadata unreadable");
        }
        try {
          this.o.onArrival({ topic: this.o.topic, partition: this.o.partition, publishTime, receivedAt });
        } catch (err) {
          this.o.logger?.error({ err }, "arrival callback threw");
        }
      },
      onClosedByBroker: (url) => {
        if (gen !== this.generation || this.state === "closed") return;
        const conn = this.current?.conn;
        const proxied = this.current?.target.proxyToBroker !== undefined;
        this.detach();
        // An assigned broker (PIP-307) is tried once without a lookup (through the proxy when the
        // consumer was proxied); the retry after it looks up.
        const direct = url === undefined ? undefined : assigned(url, proxied ? conn?.address.url : undefined);
        const where = conn?.address.url ?? this.o.serviceUrl;
        this.retry(
          new NetworkError("consumer closed by the broker (unload or ownership move)", where),
          direct,
        );
      },
    };
  }

  private onConnectionClosed(gen: number, conn: BinaryConnection): void {
    if (gen !== this.generation || this.state === "closed" || this.current?.conn !== conn) return;
    this.detach();
    this.retry(new NetworkError("connection lost", conn.address.url), undefined);
  }

  private detach(): void {
    const cur = this.current;
    if (cur === undefined) return;
    this.current = undefined;
    cur.conn.off("close", cur.onClose);
    this.o.onConsumerOpen?.(false);
  }

  private retry(err: Error, direct: BrokerTarget | undefined): void {
    if (this.state === "closed") return;
    this.state = "waiting";
    const gen = ++this.generation;
    const delay = backoffDelay(this.attempt++, this.o.backoff ?? { baseMs: 100, maxMs: 30_000 });
    this.o.logger?.debug(
      { topic: this.o.wireTopic, err: err.message, retryInMs: delay },
      "tripwire resubscribe scheduled",
    );
    this.o.onStatus({ kind: "disconnected", error: err, retryInMs: delay });
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      if (gen === this.generation) void this.arm(direct);
    }, delay);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
