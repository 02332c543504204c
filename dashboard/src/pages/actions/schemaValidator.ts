// rjsf's validator, backed by @cfworker/json-schema: it interprets schemas instead of compiling
// them with `new Function` as ajv does, so it runs under the dashboard's CSP (no 'unsafe-eval').
import { Validator, type OutputUnit, type Schema } from "@cfworker/json-schema";
import {
  createErrorHandler,
  toErrorSchema,
  unwrapErrorHandler,
  validationDataMerge,
  type CustomValidator,
  type ErrorTransformer,
  type RJSFSchema,
  type RJSFValidationError,
  type UiSchema,
  type ValidationData,
  type ValidatorType,
} from "@rjsf/utils";

// Keywords whose failure only says "something inside failed"; the inner failure is reported.
const CONTAINERS = new Set(["properties", "items", "prefixItems", "$ref", "allOf", "$dynamicRef", "unevaluatedProperties"]);
const SIMPLE_KEY = /^[A-Za-z_$][\w$]*$/;

/** JSON pointer `#/a/0/b` as the accessor path rjsf expects (`.a[0].b`). */
export function pointerToProperty(pointer: string): string {
  return pointer
    .replace(/^#/, "")
    .split("/")
    .filter(Boolean)
    .map((raw) => raw.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((key) => (/^\d+$/.test(key) ? `[${key}]` : SIMPLE_KEY.test(key) ? `.${key}` : `['${key}']`))
    .join("");
}

function toRjsfError(unit: OutputUnit): RJSFValidationError {
  let property = pointerToProperty(unit.instanceLocation);
  let message = unit.error.replace(/^Instance /, "");
  // A missing property belongs to that property's field, as rjsf's ajv validator reports it.
  const missing = unit.keyword === "required" ? /required property "([^"]+)"/.exec(unit.error) : null;
  if (missing) {
    property += SIMPLE_KEY.test(missing[1]) ? `.${missing[1]}` : `['${missing[1]}']`;
    message = "is required";
  }
  return { name: unit.keyword, property, message, schemaPath: unit.keywordLocation, stack: `${property || "input"} ${message}`.trim() };
}

const branchOf = (unit: OutputUnit, combinator: string) => unit.keywordLocation.slice(combinator.length + 1).split("/")[0];
const isNullBranch = (unit: OutputUnit) => unit.keyword === "type" && unit.error.endsWith('Expected "null".');

/** The failures worth showing: leaves, not the containers around them. An anyOf/oneOf is one
 * failure, except the optional-field pattern (`anyOf: [{...}, {type: null}]`), where the one
 * real branch says what is wrong ("-7 is less than 0") better than "matches no subschema". */
export function leafErrors(units: OutputUnit[]): OutputUnit[] {
  const shown = new Set(units.filter((u) => !CONTAINERS.has(u.keyword)));
  for (const combinator of units.filter((u) => u.keyword === "anyOf" || u.keyword === "oneOf")) {
    const at = combinator.keywordLocation;
    const inner = units.filter((u) => u.keywordLocation.startsWith(`${at}/`));
    inner.forEach((u) => shown.delete(u));
    const real = inner.filter((u) => !isNullBranch(u) && !CONTAINERS.has(u.keyword));
    if (real.length && new Set(real.map((u) => branchOf(u, at))).size === 1) {
      shown.delete(combinator);
      real.forEach((u) => shown.add(u));
    }
  }
  return units.filter((u) => shown.has(u));
}

// rjsf leaves `undefined` for untouched fields; JSON has none, and the server never sees them.
const plain = (data: unknown): unknown => (data === undefined ? undefined : JSON.parse(JSON.stringify(data)));

const compiled = new WeakMap<object, Validator>();

/** A validator of `schema`; a sub-schema rjsf asks about may point into the root's `$defs`. */
function validatorFor(schema: RJSFSchema, root?: RJSFSchema, shortCircuit = false): Validator {
  if (root && root !== schema && root.$defs) {
    const whole = { ...schema, $defs: { ...root.$defs, ...(schema.$defs ?? {}) } };
    return new Validator(whole as Schema, "2020-12", shortCircuit);
  }
  let validator = compiled.get(schema);
  if (!validator) {
    validator = new Validator(schema as Schema, "2020-12", false);
    compiled.set(schema, validator);
  }
  return validator;
}

export const schemaValidator: ValidatorType = {
  validateFormData(
    formData: unknown,
    schema: RJSFSchema,
    customValidate?: CustomValidator,
    transformErrors?: ErrorTransformer,
    uiSchema?: UiSchema,
  ): ValidationData<unknown> {
    const result = validatorFor(schema).validate(plain(formData));
    let errors = leafErrors(result.errors).map(toRjsfError);
    if (transformErrors) errors = transformErrors(errors, uiSchema);
    const data = { errors, errorSchema: toErrorSchema(errors) };
    if (!customValidate) return data;
    const custom = customValidate(formData, createErrorHandler(formData), uiSchema, data.errorSchema);
    return validationDataMerge(data, unwrapErrorHandler(custom));
  },
  isValid(schema: RJSFSchema, formData: unknown, rootSchema: RJSFSchema): boolean {
    try {
      return validatorFor(schema, rootSchema, true).validate(plain(formData)).valid;
    } catch {
      return false; // an invalid schema validates nothing, as the interface asks
    }
  },
  rawValidation<Result = unknown>(schema: RJSFSchema, formData?: unknown) {
    try {
      return { errors: validatorFor(schema).validate(plain(formData)).errors as Result[] };
    } catch (error) {
      return { validationError: error as Error };
    }
  },
};
