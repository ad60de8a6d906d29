import type { ReportFrame } from "../src/contract/frames.js";
import { LIMITS } from "../src/contract/limits.js";
import { PROTOCOL_VERSION } from "../src/contract/version.js";
import type { WatchSink } from "../src/watch/sink.js";

/** What the sink needs of the connection (HubConnection satisfies it). */
export interface ReportChannel {
  /**
   * Sends a report, or drops and counts it: the one grant check of the sidecar (a key lapsing
   * after a disconnect, or racing a revoke, is not sent). Throws FrameError for a bad frame.
   */
  send(frame: ReportFrame): boolean;
}

/**
 * A WatchSink that turns a watcher's output into report frames for the hub; the channel decides
 * what goes out. A frame the contract rejects throws; the watcher hands that to its onSinkError.
 */
export function hubSink(channel: ReportChannel): WatchSink {
  const send = (frame: ReportFrame): void => {
    channel.send(frame);
  };
  return {
    observation: (key, observation) => send({ v: PROTOCOL_VERSION, type: "observation", key, observation }),
    arrival: (key, e) => send({ v: PROTOCOL_VERSION, type: "arrival", key, receivedAt: e.receivedAt }),
    error: (key, err) =>
      send({
        v: PROTOCOL_VERSION,
        type: "error",
        key,
        errorClass: (err.name || "Error").slice(0, LIMITS.errorClassChars),
        message: err.message || "(no message)",
      }),
  };
}
