// The input schema as the form shows it. Pydantic writes an optional field as
// `anyOf: [<type>, {"type": "null"}], default: null`; rjsf renders that as a two-option picker
// whose input disappears once the value matches neither option. The form shows the field itself
// instead: left empty it is omitted, which the server reads as null.
import type { RJSFSchema } from "@rjsf/utils";

type Schema = Record<string, unknown>;

const isNull = (branch: unknown) => (branch as Schema | null)?.type === "null";
const NESTED_MAPS = ["properties", "$defs", "patternProperties"] as const;
const NESTED_ONE = ["items", "additionalProperties", "not", "if", "then", "else"] as const;
const NESTED_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;

function simplify(node: unknown): unknown {
  if (!node || typeof node !== "object" || Array.isArray(node)) return node;
  let schema: Schema = { ...(node as Schema) };
  const options = schema.anyOf;
  if (Array.isArray(options) && options.length === 2 && options.some(isNull)) {
    const { anyOf: _anyOf, default: fallback, ...rest } = schema;
    const real = options.find((branch) => !isNull(branch)) as Schema;
    schema = { ...real, ...rest, ...(fallback === null ? {} : { default: fallback }) };
  }
  for (const key of NESTED_MAPS) {
    const map = schema[key];
    if (map && typeof map === "object") {
      schema[key] = Object.fromEntries(Object.entries(map as Schema).map(([name, inner]) => [name, simplify(inner)]));
    }
  }
  for (const key of NESTED_ONE) if (key in schema) schema[key] = simplify(schema[key]);
  for (const key of NESTED_LISTS) if (Array.isArray(schema[key])) schema[key] = (schema[key] as unknown[]).map(simplify);
  return schema;
}

/** The schema for the form: optional fields as plain fields, and no repeated root heading
 * (the page shows the action's name and description above the form). */
export function formSchema(input: Record<string, unknown>): RJSFSchema {
  const { title: _title, description: _description, ...rest } = simplify(input) as Schema;
  return { ...rest, title: "Input" } as RJSFSchema;
}
