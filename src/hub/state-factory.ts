import type { Clock } from "../lib/clock.js";
import type { Logger } from "../lib/logger.js";
import type { ClusterConfig } from "../pulsar/cluster.js";
import { keyId } from "../state/key.js";
import { NoFreshDataError } from "../state/errors.js";
import type { StateReader } from "../keda/state-reader.js";

export interface HubStateDeps {
  readonly clusters: readonly ClusterConfig[];
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface HubState {
  readonly reader: StateReader;
  close(): Promise<void>;
}

/**
 * The hub's state. Placeholder until the watch engine is wired (a later issue replaces this):
 * reads reject with NoFreshDataError (KEDA gets UNAVAILABLE, never a made-up 0) and nothing
 * ever activates. GetMetricSpec works, since it needs only metadata.
 */
export function createHubState(_deps: HubStateDeps): HubState {
  const notWired = (key: string) => new NoFreshDataError(`watch engine not wired yet: no data for ${key}`);
  const reader: StateReader = {
    metricValue: (_so, trigger) => Promise.reject(notWired(keyId(trigger.key))),
    isActive: (_so, trigger) => Promise.reject(notWired(keyId(trigger.key))),
    watchActivation: () => () => {},
    ready: () => true,
  };
  return { reader, close: () => Promise.resolve() };
}
