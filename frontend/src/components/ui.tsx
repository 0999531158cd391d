import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

import { isModifiedClick, navigate } from '../lib/router';

/** An <a> that navigates within the app without reloading it. */
export function Link({ href, children, ...rest }: AnchorHTMLAttributes & { href: string }) {
  return (
    <a
      {...rest}
      href={href}
      onClick={(event) => {
        if (event.defaultPrevented || isModifiedClick(event)) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}

interface FieldProps {
  /** The form's id, so field ids are unique on the page (`<form>-<name>`). */
  form: string;
  name: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  errors?: readonly string[] | undefined;
  type?: 'text' | 'email' | 'password';
  autoComplete?: string;
  required?: boolean;
  multiline?: boolean;
  rows?: number;
  hint?: string;
  maxLength?: number;
  /** The on-screen keyboard to offer (`numeric` for one-time codes). */
  inputMode?: 'numeric';
  /** Focus the input when it appears (a prompt that opens inside a page). */
  autoFocus?: boolean;
}

/** A labelled input whose API messages appear right under it, tied with aria-describedby. */
export function Field(props: FieldProps) {
  const input = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const { autoFocus } = props;
  // The autofocus attribute only works on page load, not on a prompt that opens later.
  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);
  const id = `${props.form}-${props.name}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const errors = props.errors ?? [];
  const invalid = errors.length > 0;
  const describedBy = [props.hint ? hintId : null, invalid ? errorId : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    value: props.value,
    required: props.required,
    maxLength: props.maxLength,
    inputMode: props.inputMode,
    ref: input,
    'aria-invalid': invalid ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
    onInput: (event: Event) => {
      props.onInput((event.currentTarget as HTMLInputElement | HTMLTextAreaElement).value);
    },
  };
  return (
    <div class={invalid ? 'field field--invalid' : 'field'} data-field={props.name}>
      <label for={id}>{props.label}</label>
      {props.multiline ? (
        <textarea {...common} rows={props.rows ?? 12} />
      ) : (
        // One branch per type: Preact's types tell input types apart.
        <>
          {props.type === 'password' && <input {...common} type="password" autoComplete={props.autoComplete} />}
          {props.type === 'email' && <input {...common} type="email" autoComplete={props.autoComplete} />}
          {(props.type ?? 'text') === 'text' && <input {...common} type="text" autoComplete={props.autoComplete} />}
        </>
      )}
      {props.hint && (
        <p class="field-hint" id={hintId}>
          {props.hint}
        </p>
      )}
      {invalid && (
        <ul class="field-error" id={errorId}>
          {errors.map((text, index) => (
            <li key={index}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A labelled checkbox. */
export function Checkbox(props: {
  form: string;
  name: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
}) {
  const id = `${props.form}-${props.name}`;
  const hintId = `${id}-hint`;
  return (
    <div class="field field--check" data-field={props.name}>
      <input
        type="checkbox"
        id={id}
        name={props.name}
        checked={props.checked}
        aria-describedby={props.hint ? hintId : undefined}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      <label for={id}>{props.label}</label>
      {props.hint && (
        <p class="field-hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** Form-level messages (and any error not tied to a field). */
export function FormAlert({ messages, id }: { messages: readonly string[]; id?: string }) {
  if (messages.length === 0) return null;
  return (
    <div class="alert alert--error" role="alert" id={id}>
      {messages.length === 1 ? (
        <p>{messages[0]}</p>
      ) : (
        <ul>
          {messages.map((text, index) => (
            <li key={index}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Notice({ children, kind = 'info' }: { children: ComponentChildren; kind?: 'info' | 'success' }) {
  return (
    <div class={`alert alert--${kind}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

interface SelectProps {
  form: string;
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly { value: string; label: string }[];
  errors?: readonly string[] | undefined;
}

/** A labelled <select> with its API messages under it, like Field. */
export function Select(props: SelectProps) {
  const id = `${props.form}-${props.name}`;
  const errorId = `${id}-error`;
  const errors = props.errors ?? [];
  const invalid = errors.length > 0;
  return (
    <div class={invalid ? 'field field--invalid' : 'field'} data-field={props.name}>
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        value={props.value}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={invalid ? errorId : undefined}
        onChange={(event) => props.onChange(event.currentTarget.value)}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      {invalid && (
        <ul class="field-error" id={errorId}>
          {errors.map((text, index) => (
            <li key={index}>{text}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
