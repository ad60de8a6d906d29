import * as grpc from "@grpc/grpc-js";
import { loadExternalScalerProto } from "../../src/keda/proto.js";
import { constantService } from "./constant-server.js";
import { pollingService } from "./polling-scaler.js";

/**
 * `node bench/baseline/serve.ts <constant|polling> [port]`: serves a baseline ExternalScaler on
 * 127.0.0.1 and prints `{"msg":"baseline ready","port":N}`; stops on SIGTERM/SIGINT.
 */
async function main(argv: readonly string[]): Promise<number> {
  const [kind, portArg] = argv;
  const impl = kind === "constant" ? constantService() : kind === "polling" ? pollingService() : undefined;
  if (!impl) {
    process.stderr.write("usage: serve.ts <constant|polling> [port]\n");
    return 2;
  }
  const server = new grpc.Server();
  server.addService(loadExternalScalerProto().service, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${portArg ?? "0"}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  process.stdout.write(`${JSON.stringify({ msg: "baseline ready", kind, port })}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  server.forceShutdown();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`fatal: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
