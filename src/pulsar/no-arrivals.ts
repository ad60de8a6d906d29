import { ArrivalsUnavailableError } from "./errors.js";
import type { ArrivalSource, ArrivalStatus, ArrivalSubscription } from "./ports.js";
import type { ArrivalEvent } from "./snapshot.js";
import type { TopicName } from "./topic-name.js";

/**
 * The ArrivalSource of `arrivals=off`: it opens nothing and delivers nothing. Each subscription
 * says `unavailable` once, as a WebSocket reader does when the service is off, so the watcher
 * relies on polling alone (its no-arrivals interval) and the key's status says why.
 */
export class NoArrivals implements ArrivalSource {
  /** `where`: the URL polling reads (the admin URL, without credentials), for the status's error. */
  constructor(private readonly where: string) {}

  subscribe(
    _topic: TopicName,
    _partitions: number,
    _onArrival: (e: ArrivalEvent) => void,
    onStatus: (s: ArrivalStatus) => void,
  ): ArrivalSubscription {
    let closed = false;
    // After subscribe returns, as every source reports its status.
    queueMicrotask(() => {
      if (closed) return;
      onStatus({
        kind: "unavailable",
        error: new ArrivalsUnavailableError("arrivals=off: polling only", this.where),
      });
    });
    return {
      rearm: () => undefined,
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
  }

  /** Nothing is open. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
