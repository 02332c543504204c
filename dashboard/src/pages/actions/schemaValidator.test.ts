import type { RJSFSchema } from "@rjsf/utils";
import { describe, expect, it } from "vitest";
import { createDocument, mockActions } from "../../test/fixtures/actions";
import { pointerToProperty, schemaValidator } from "./schemaValidator";

const createItem = mockActions.items.find((a) => a.name === "create_item")!.input_schema as RJSFSchema;
const document = createDocument.input_schema as RJSFSchema;

describe("schemaValidator", () => {
  it("accepts an action's own example", () => {
    expect(schemaValidator.validateFormData({ name: "Invoice", size: 7 }, createItem).errors).toEqual([]);
    expect(schemaValidator.validateFormData(createDocument.example, document).errors).toEqual([]);
  });

  it("puts each failure on its field, a missing one included", () => {
    const { errors, errorSchema } = schemaValidator.validateFormData({ size: -7 }, createItem);
    expect(errors.map((e) => e.property).sort()).toEqual([".name", ".size"]);
    expect(errorSchema.name?.__errors).toEqual(["is required"]);
    // An optional number: the real branch's reason, not "matches no subschema".
    expect(errorSchema.size?.__errors).toEqual(["-7 is less than 0."]);
  });

  it("follows $ref into $defs for nested array items", () => {
    const input = { ...createDocument.example, recipients: [{ email: "a@example.com", signing_order: 0 }] };
    const { errors } = schemaValidator.validateFormData(input, document);
    expect(errors.map((e) => e.property)).toEqual([".recipients[0].signing_order"]);
  });

  it("answers isValid for a sub-schema that points into the root's $defs", () => {
    const recipient = { $ref: "#/$defs/Recipient" } as RJSFSchema;
    expect(schemaValidator.isValid(recipient, { email: "a@example.com" }, document)).toBe(true);
    expect(schemaValidator.isValid(recipient, { nope: 1 }, document)).toBe(false);
  });

  it("writes JSON pointers as accessor paths", () => {
    expect(pointerToProperty("#/recipients/0/first-name")).toBe(".recipients[0]['first-name']");
    expect(pointerToProperty("#")).toBe("");
  });
});
