import { ScalerError } from "../lib/errors.js";

/**
 * A trigger's `isPartitionedTopic` says the opposite of what Pulsar says of the topic: KEDA gets
 * INVALID_ARGUMENT for that trigger only (src/keda/status.ts). The key is watched as Pulsar says
 * (src/pulsar/admin-client.ts drops a contradicted hint), so every other trigger on it is served.
 */
export class TopicKindError extends ScalerError {
  constructor(
    readonly topic: string,
    readonly said: boolean,
    readonly partitions: number,
  ) {
    const is = partitions > 0 ? `is partitioned (${partitions} partitions)` : "is not partitioned";
    super(
      `trigger metadata isPartitionedTopic = "${String(said)}": Pulsar says topic ${topic} ${is}; set it to "${String(partitions > 0)}" or leave it out to detect it`,
    );
  }
}

/** Throws TopicKindError when the trigger's hint contradicts the partition count Pulsar reported. */
export function checkTopicKind(
  topic: string,
  said: boolean | undefined,
  partitions: number | undefined,
): void {
  if (said === undefined || partitions === undefined || said === partitions > 0) return;
  throw new TopicKindError(topic, said, partitions);
}
