import type { InputHTMLAttributes, ReactNode } from "react";

/** A labelled input whose server-side error (by API field path) shows right below it. */
interface Props extends InputHTMLAttributes<HTMLInputElement> {
  name: string;
  label: ReactNode;
  error?: string;
  hint?: string;
}

export function Field({ name, label, error, hint, id, ...input }: Props) {
  const inputId = id ?? `field-${name}`;
  const described = [hint ? `hint-${name}` : null, error ? `error-${name}` : null].filter(Boolean);
  return (
    <div className={input.type === "checkbox" ? "field field-check" : "field"}>
      <label htmlFor={inputId}>{label}</label>
      <input
        id={inputId}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={described.length ? described.join(" ") : undefined}
        {...input}
      />
      {hint ? (
        <small id={`hint-${name}`} className="hint">
          {hint}
        </small>
      ) : null}
      {error ? <FieldError name={name} reason={error} /> : null}
    </div>
  );
}

export function FieldError({ name, reason }: { name: string; reason: string }) {
  return (
    <p id={`error-${name}`} className="field-error">
      {reason}
    </p>
  );
}
