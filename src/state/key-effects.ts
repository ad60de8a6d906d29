import type { CapacityError } from "./errors.js";
import type { ActivationRule, WatchKey } from "./key.js";

/**
 * What the engine must do after a key-table change, in order. The table decides; the engine
 * (`src/watch/engine.ts`) carries these out: it owns the watchers, the stream callbacks, the
 * waiting readers' promises and the timers.
 */
export type KeyEffect<H = undefined> =
  /** A key came into use: start watching it; `hint` is what its first caller said of the topic. */
  | { readonly kind: "startWatch"; readonly key: WatchKey; readonly hint: H }
  /** A key went out of use (idle): stop watching it. */
  | { readonly kind: "stopWatch"; readonly key: WatchKey }
  /** A subscribed rule of a key went from unknown or inactive to active: call its streams. */
  | { readonly kind: "edge"; readonly key: WatchKey; readonly rule: ActivationRule }
  /**
   * These readers of a key stop waiting for its first observation (it came, the key went away,
   * the first-read deadline passed, or shutdown): each reads now and gets a value or an error.
   */
  | { readonly kind: "wakeReaders"; readonly key: WatchKey; readonly readers: readonly number[] }
  /**
   * A new key or ScaledObject does not fit, even after expired uses were swept: the call fails
   * with `error` (KEDA gets RESOURCE_EXHAUSTED). Always the last effect of its list.
   */
  | { readonly kind: "capacityRefused"; readonly key: WatchKey; readonly error: CapacityError };
