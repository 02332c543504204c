import { describe, expect, it } from "vitest";
import { createDocument, mockActions } from "../../test/fixtures/actions";
import { formSchema } from "./formSchema";
import { schemaValidator } from "./schemaValidator";

describe("formSchema", () => {
  it("shows an optional field as the field itself, without a null default", () => {
    const createItem = mockActions.items.find((a) => a.name === "create_item")!;
    const schema = formSchema(createItem.input_schema);
    expect(schema.properties?.size).toEqual({ type: "integer", minimum: 0, title: "Size", description: "optional size" });
    expect(schema.title).toBe("Input");
  });

  it("simplifies inside $defs and keeps refs and real unions", () => {
    const schema = formSchema(createDocument.input_schema) as Record<string, any>;
    expect(schema.$defs.Recipient.properties.delivery_methods).toEqual({ $ref: "#/$defs/DeliveryMethods" });
    expect(schema.$defs.Recipient.properties.signing_order).toMatchObject({ type: "integer", minimum: 1 });
    expect(schema.properties.fields.additionalProperties.anyOf).toHaveLength(4);
    // The simplified schema still accepts the action's example.
    expect(schemaValidator.validateFormData(createDocument.example, schema).errors).toEqual([]);
  });
});
