import net, { type AddressInfo, type Server, type Socket } from "node:net";
import { FrameSplitter } from "../../src/pulsar/binary/frame.js";
import { BaseCommand_Type as T } from "../../src/pulsar/binary/generated/pulsar-api.js";
import { codec } from "./binary-peer.js";

/**
 * A TCP relay in front of the simulator's binary endpoint that checks what a third-party client
 * cannot be asked to: every MESSAGE and SEND frame's CRC32C, with our codec (pulsar-flex never
 * verifies the checksums it receives). It rewrites LOOKUP answers to point at itself, so the client's
 * broker connection comes through it too.
 */
export class CheckingRelay {
  /** Payload frames seen, by direction and checksum verdict (true ok, false bad, undefined none). */
  readonly checked: { direction: "toClient" | "toBroker"; type: number; checksumOk: boolean | undefined }[] =
    [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly hostPort: string,
  ) {}

  static async start(serviceUrl: string): Promise<CheckingRelay> {
    const target = new URL(serviceUrl);
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const relay = new CheckingRelay(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on("connection", (client) => {
      const broker = net.connect(Number(target.port), target.hostname);
      for (const s of [client, broker]) {
        relay.sockets.add(s);
        s.on("error", () => undefined);
        s.on("close", () => {
          relay.sockets.delete(s);
          client.destroy();
          broker.destroy();
        });
      }
      relay.pipe(client, broker, "toBroker");
      relay.pipe(broker, client, "toClient");
    });
    return relay;
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private pipe(from: Socket, to: Socket, direction: "toClient" | "toBroker"): void {
    const splitter = new FrameSplitter();
    from.on("data", (chunk: Buffer) => {
      for (const body of splitter.push(chunk)) {
        const { command, payload } = codec.decodeFrame(body);
        if (payload)
          this.checked.push({ direction, type: Number(command.type), checksumOk: payload.checksumOk });
        const head = Buffer.alloc(4);
        head.writeUInt32BE(body.length, 0);
        if (
          command.type === T.LOOKUP_RESPONSE &&
          command.lookupTopicResponse.brokerServiceUrl !== undefined
        ) {
          to.write(
            codec.encodeCommand({
              ...command,
              lookupTopicResponse: {
                ...command.lookupTopicResponse,
                brokerServiceUrl: `pulsar://${this.hostPort}`,
              },
            }),
          );
        } else to.write(Buffer.concat([head, body]));
      }
    });
  }
}
