import assert from "node:assert/strict";
import { test } from "node:test";
import { MESSAGE_FIELDS, SERVICE_METHODS } from "../../src/keda/messages.js";
import { loadExternalScalerProto } from "../../src/keda/proto.js";

interface FieldDescriptor {
  name: string;
  number: number;
  label: string;
  type: string;
  typeName: string;
}

interface TypeDefinition {
  format: string;
  type: { field: FieldDescriptor[]; nestedType: Array<{ name: string; options?: { mapEntry?: boolean } }> };
}

const SCALAR: Record<string, string> = {
  TYPE_STRING: "string",
  TYPE_BOOL: "bool",
  TYPE_INT64: "int64",
  TYPE_DOUBLE: "double",
};

/** The proto descriptor's field type in MESSAGE_FIELDS' notation. */
function describe(f: FieldDescriptor, nested: TypeDefinition["type"]["nestedType"]): string {
  const local = f.typeName.split(".").pop() ?? "";
  const isMap = nested.some((n) => n.name === local && n.options?.mapEntry);
  if (f.type === "TYPE_MESSAGE") {
    if (isMap && f.label === "LABEL_REPEATED") return "map<string,string>";
    return f.label === "LABEL_REPEATED" ? `repeated:${local}` : `message:${local}`;
  }
  const scalar = SCALAR[f.type] ?? f.type;
  return f.label === "LABEL_REPEATED" ? `repeated:${scalar}` : scalar;
}

const { packageDefinition, service } = loadExternalScalerProto();

void test("every message in messages.ts matches the loaded proto: names, numbers, types", () => {
  const protoMessages = Object.keys(packageDefinition)
    .filter((k) => k.startsWith("externalscaler.") && k !== "externalscaler.ExternalScaler")
    .map((k) => k.slice("externalscaler.".length))
    .sort();
  assert.deepEqual(protoMessages, Object.keys(MESSAGE_FIELDS).sort());
  for (const [message, fields] of Object.entries(MESSAGE_FIELDS)) {
    const def = packageDefinition[`externalscaler.${message}`] as unknown as TypeDefinition;
    assert.equal(def.format, "Protocol Buffer 3 DescriptorProto");
    const fromProto = Object.fromEntries(
      def.type.field.map((f) => [f.name, [f.number, describe(f, def.type.nestedType)]]),
    );
    assert.deepEqual(fromProto, fields, `message ${message}`);
  }
});

void test("the service's methods match: request, response, streaming", () => {
  assert.deepEqual(Object.keys(service).sort(), Object.keys(SERVICE_METHODS).sort());
  for (const [name, [req, res, streaming]] of Object.entries(SERVICE_METHODS)) {
    const m = service[name];
    assert.ok(m, name);
    assert.equal(m.path, `/externalscaler.ExternalScaler/${name}`);
    assert.equal(m.requestStream, false, `${name} request stream`);
    assert.equal(m.responseStream, streaming, `${name} response stream`);
    const loaded = packageDefinition["externalscaler.ExternalScaler"] as unknown as Record<
      string,
      { requestType: TypeDefinition; responseType: TypeDefinition }
    >;
    const def = loaded[name];
    assert.ok(def, name);
    assert.equal((def.requestType.type as { name?: string }).name, req, `${name} request type`);
    assert.equal((def.responseType.type as { name?: string }).name, res, `${name} response type`);
  }
});

void test("int64 fields arrive as numbers and unset fields as defaults (loader options)", () => {
  const m = service["GetMetrics"];
  assert.ok(m);
  const bytes = m.responseSerialize({
    metricValues: [{ metricName: "x", metricValue: 12, metricValueFloat: 12.5 }],
  });
  assert.deepEqual(m.responseDeserialize(bytes), {
    metricValues: [{ metricName: "x", metricValue: 12, metricValueFloat: 12.5 }],
  });
  const req: unknown = service["GetMetrics"]?.requestDeserialize(Buffer.alloc(0));
  assert.deepEqual(req, { scaledObjectRef: null, metricName: "" });
});
