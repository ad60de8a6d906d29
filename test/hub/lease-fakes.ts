import { PROTOCOL_VERSION } from "../../src/contract/version.js";
import type { GrantHint, HelloFrame } from "../../src/contract/frames.js";
import type { SidecarSession } from "../../src/hub/gateway-types.js";
import { keyId, type WatchKey } from "../../src/state/key.js";
import type { WatchDriver, WatchHint } from "../../src/watch/driver.js";

/**
 * A hand-written SidecarSession: records grants, revokes and closes instead of sending frames.
 * Like the gateway's session, grant and revoke are idempotent and grant refuses unannounced keys.
 */
export class FakeSession implements SidecarSession {
  readonly sidecarVersion = "test";
  readonly remoteAddress = "127.0.0.1";
  readonly log: string[] = [];
  /** The hint of each grant sent, in order. */
  readonly hints: GrantHint[] = [];
  closedWith: { code: number; reason: string } | undefined;
  private readonly held = new Set<string>();

  constructor(
    readonly id: string,
    readonly keys: readonly WatchKey[],
    readonly pod = `pod-${id}`,
    readonly namespace = "apps",
  ) {}

  get open(): boolean {
    return this.closedWith === undefined;
  }

  get hello(): HelloFrame {
    return {
      v: PROTOCOL_VERSION,
      type: "hello",
      pod: this.pod,
      namespace: this.namespace,
      keys: this.keys,
      sidecarVersion: this.sidecarVersion,
    };
  }

  announced(key: WatchKey): boolean {
    return this.keys.some((k) => keyId(k) === keyId(key));
  }

  holds(key: WatchKey): boolean {
    return this.held.has(keyId(key));
  }

  grant(key: WatchKey, hint: GrantHint = {}): void {
    if (!this.announced(key)) throw new Error(`not announced: ${keyId(key)}`);
    if (!this.open || this.held.has(keyId(key))) return;
    this.held.add(keyId(key));
    this.log.push(`grant ${key.subscription}`);
    this.hints.push(hint);
  }

  revoke(key: WatchKey): void {
    if (!this.open || !this.held.delete(keyId(key))) return;
    this.log.push(`revoke ${key.subscription}`);
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }
}

/** A WatchDriver that records start/stop (the hub's own watchers). */
export class RecordingDriver implements WatchDriver {
  readonly log: string[] = [];
  readonly running = new Set<string>();
  readonly hints: WatchHint[] = [];
  closed = false;

  start(key: WatchKey, hint: WatchHint): void {
    this.log.push(`start ${key.subscription}`);
    this.running.add(key.subscription);
    this.hints.push(hint);
  }

  stop(key: WatchKey): void {
    this.log.push(`stop ${key.subscription}`);
    this.running.delete(key.subscription);
  }

  close(): Promise<void> {
    this.closed = true;
    this.running.clear();
    return Promise.resolve();
  }
}
