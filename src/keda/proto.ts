import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";
import { packageRoot } from "../lib/package-root.js";

/** Options shared by the server, the tests and the KEDA emulator (the generated types in generated/ are made with the same flags: scripts/proto-types.mjs). */
export const PROTO_LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

export const EXTERNAL_SCALER_SERVICE = "externalscaler.ExternalScaler";

export interface ExternalScalerProto {
  readonly packageDefinition: PackageDefinition;
  readonly service: grpc.ServiceDefinition;
  /** Typed-loosely client constructor (tests and the KEDA emulator). */
  readonly Client: grpc.ServiceClientConstructor;
}

export function externalScalerProtoPath(): string {
  return join(packageRoot(), "proto", "externalscaler.proto");
}

/** Loads proto/externalscaler.proto at run time (no generated code). */
export function loadExternalScalerProto(): ExternalScalerProto {
  const packageDefinition = loadSync(externalScalerProtoPath(), PROTO_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(packageDefinition);
  const ns = loaded["externalscaler"] as grpc.GrpcObject;
  const Client = ns["ExternalScaler"] as grpc.ServiceClientConstructor;
  return { packageDefinition, service: Client.service, Client };
}
