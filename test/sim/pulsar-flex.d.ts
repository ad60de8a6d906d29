// The part of pulsar-flex 1.1.1 (plain CommonJS, no types of its own) the peer tests use, as its
// README and src/producer, src/consumer define it.
declare module "pulsar-flex" {
  export const logLevel: { readonly NOTHING: 0; readonly ERROR: 1; readonly INFO: 3 };

  interface CommonOptions {
    readonly topic: string;
    /** `host:port` of the service URL (no scheme: pulsar-flex has no TLS). */
    readonly discoveryServers: readonly string[];
    readonly jwt?: string;
    readonly logLevel?: number;
  }

  export class Producer {
    static readonly ACCESS_MODES: { readonly SHARED: 0; readonly EXCLUSIVE: 1 };
    constructor(o: CommonOptions & { readonly producerAccessMode?: number });
    create(): Promise<boolean>;
    close(): Promise<boolean>;
    sendMessage(m: { payload: string | Buffer; properties?: Record<string, string> }): Promise<unknown>;
    sendBatch(b: {
      messages: { payload: string | Buffer; properties?: Record<string, string> }[];
    }): Promise<unknown>;
  }

  export interface ReceivedMessage {
    readonly message: Buffer | Uint8Array;
    readonly properties: Record<string, string>;
    readonly redeliveryCount: number;
    ack(): Promise<unknown>;
  }

  export class Consumer {
    static readonly SUB_TYPES: { readonly EXCLUSIVE: 0; readonly SHARED: 1 };
    constructor(
      o: CommonOptions & {
        readonly subscription: string;
        readonly subType: number;
        readonly consumerName: string;
        readonly receiveQueueSize?: number;
      },
    );
    subscribe(): Promise<void>;
    run(o: { onMessage: (m: ReceivedMessage) => Promise<void> | void; autoAck?: boolean }): Promise<void>;
    unsubscribe(): Promise<void>;
  }

  /** CommonJS `module.exports`: Node's ESM import sees it as the default export only. */
  const pulsarFlex: {
    readonly Producer: typeof Producer;
    readonly Consumer: typeof Consumer;
    readonly logLevel: typeof logLevel;
  };
  export default pulsarFlex;
}
