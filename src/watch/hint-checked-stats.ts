import { TopicNotFoundError } from "../pulsar/errors.js";
import type { StatsRead, StatsReader } from "../pulsar/ports.js";
import type { TopicSnapshot } from "../pulsar/snapshot.js";
import type { TopicName } from "../pulsar/topic-name.js";

/**
 * The StatsReader one watcher reads through. The key's `isPartitionedTopic` hint comes from the
 * first trigger seen for it, and it is trusted (it saves the `/partitions` lookup) until Pulsar
 * contradicts it: a 404 on the hinted path asks again without the hint (detection by
 * `/partitions`), and once that answer says the topic is the other kind the hint is not used any
 * more. So one trigger with a wrong `isPartitionedTopic` does not break the key for every other
 * trigger on it; the engine fails only that trigger (src/watch/topic-kind.ts).
 */
export class HintCheckedStats implements StatsReader {
  private contradicted = false;

  constructor(private readonly inner: StatsReader) {}

  async topicStats(topic: TopicName, partitioned?: boolean, read?: StatsRead): Promise<TopicSnapshot> {
    if (partitioned === undefined || this.contradicted) return this.inner.topicStats(topic, undefined, read);
    try {
      return await this.inner.topicStats(topic, partitioned, read);
    } catch (err) {
      if (!(err instanceof TopicNotFoundError)) throw err;
    }
    // A missing topic rejects here too (the lookup is a 404 as well), with the hint kept.
    const snap = await this.inner.topicStats(topic, undefined, read);
    this.contradicted = snap.partitions > 0 !== partitioned;
    return snap;
  }
}
