// The package index also exports a test helper that imports ajv; the Form alone does not.
import Form from "@rjsf/core/lib/components/Form.js";
import { toErrorSchema, type ErrorSchema } from "@rjsf/utils";
import { useMemo, useRef, useState } from "react";
import { ApiError } from "../../api/client";
import { api } from "../../api/endpoints";
import type { ActionSpec, DryRunPreview } from "../../api/opsTypes";
import { ErrorAlert } from "../../components/ErrorAlert";
import { ActionResult, type Outcome } from "./ActionResult";
import { formSchema } from "./formSchema";
import { schemaValidator } from "./schemaValidator";

const UI = { "ui:submitButtonOptions": { norender: true } };

/** The server's 422 fields (`recipients.0.email`) as rjsf errors beside those fields. */
export function serverErrorSchema(error: ApiError): ErrorSchema {
  return toErrorSchema(error.fields.map((p) => ({ property: `.${p.field}`, message: p.reason, stack: p.reason })));
}

const isPreview = (answer: unknown): answer is DryRunPreview =>
  typeof answer === "object" && answer !== null && (answer as DryRunPreview).dry_run === true && (answer as DryRunPreview).request !== null;

/** A form generated from the action's input schema. A write runs only after a dry run of the
 * very same input has shown what it would send. */
export function ActionRunner({ integration, spec }: { integration: string; spec: ActionSpec }) {
  const [input, setInput] = useState<unknown>(spec.example ?? {});
  const [previewed, setPreviewed] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [serverErrors, setServerErrors] = useState<ErrorSchema | undefined>();
  const [busy, setBusy] = useState(false);
  const intent = useRef<"preview" | "run">("run");
  const schema = useMemo(() => formSchema(spec.input_schema), [spec.input_schema]);
  const current = JSON.stringify(input ?? {});
  const canRun = !spec.writes || previewed === current;

  async function act(data: unknown) {
    const dryRun = intent.current === "preview";
    if (!dryRun && !canRun) return;
    setBusy(true);
    setError(null);
    setServerErrors(undefined);
    try {
      const answer = await api.runAction(integration, spec.name, data ?? {}, dryRun);
      if (dryRun && isPreview(answer)) {
        setOutcome({ kind: "preview", preview: answer });
        setPreviewed(JSON.stringify(data ?? {}));
      } else {
        setOutcome({ kind: "result", value: answer });
        if (!dryRun) setPreviewed(null); // the next write shows its request again first
      }
    } catch (failure) {
      setOutcome(null);
      setError(failure);
      if (failure instanceof ApiError && failure.fields.length) setServerErrors(serverErrorSchema(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="action-form" className="action">
      <h2 id="action-form"><code>{spec.name}</code> {spec.writes ? "(writes)" : "(reads)"}</h2>
      <p>{spec.description}{spec.cost ? ` Cost per call: ${spec.cost}.` : ""}</p>
      {spec.writes ? <p className="notice">A write runs only after its dry run: preview, check the request, then run.</p> : null}
      <Form schema={schema} validator={schemaValidator} uiSchema={UI} formData={input}
        onChange={(event) => { setInput(event.formData); setServerErrors(undefined); }}
        onSubmit={(event) => act(event.formData)} onError={() => {}} showErrorList={false} noHtml5Validate
        extraErrors={serverErrors} idPrefix={`action-${spec.name}`}>
        <div className="form-actions">
          {spec.writes ? (
            <button type="submit" disabled={busy} onClick={() => { intent.current = "preview"; }}>Preview (dry run)</button>
          ) : null}
          <button type="submit" disabled={busy || !canRun} onClick={() => { intent.current = "run"; }}>Run</button>
          <button type="button" className="secondary" onClick={() => { setInput(spec.example ?? {}); setPreviewed(null); }}>
            Reset to example
          </button>
        </div>
      </Form>
      {error ? <ErrorAlert error={error} integration={integration} title={`${spec.name} failed`} /> : null}
      {outcome ? <ActionResult outcome={outcome} /> : null}
    </section>
  );
}
