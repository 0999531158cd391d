import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

import { describeError } from '../api/problem';
import { Field, FormAlert, Notice } from './ui';
import { cleanCode, codeErrors } from '../lib/codes';
import { useFormSubmit } from '../lib/hooks';
import type { PendingCode } from '../lib/pending';

interface CodeFormProps {
  /** The form's id (`verify`, `recovery`); the input is `<id>-code`. */
  id: string;
  pending: PendingCode;
  /** What happened and what to do, above the form. */
  children: ComponentChildren;
  submitLabel: string;
  busyLabel: string;
  /** Submits the code; throws the API's error when it is refused. */
  onSubmit: (code: string) => Promise<void>;
  /** Sends a new code (and updates `pending`); throws the API's error. */
  onResend: () => Promise<void>;
}

/**
 * The second step of verification and recovery: the six-digit code from the
 * email, and a "send a new code" button beside the form (not in it, so Enter
 * always submits the code).
 */
export function CodeForm(props: CodeFormProps) {
  const { id, pending, onSubmit, onResend } = props;
  const [code, setCode] = useState('');
  const { errors, setErrors, busy, setBusy, handle } = useFormSubmit(['code'], codeErrors);
  const [resent, setResent] = useState(false);
  const [resendError, setResendError] = useState<string[]>([]);

  const submit = handle(async () => {
    setResent(false);
    await onSubmit(cleanCode(code));
  });

  const resend = async () => {
    setBusy(true);
    setResent(false);
    setResendError([]);
    try {
      await onResend();
      setCode('');
      setErrors({ fields: {}, form: [] });
      setResent(true);
    } catch (error) {
      setResendError([describeError(error)]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {props.children}
      {resent && (
        <Notice kind="success">
          We sent a new code to {pending.email}. Use the newest one: it replaces the codes sent before.
        </Notice>
      )}
      <form id={id} onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id={`${id}-alert`} messages={errors.form} />
        <Field
          form={id}
          name="code"
          label="Code from the email"
          autoComplete="one-time-code"
          inputMode="numeric"
          maxLength={12}
          required
          autoFocus
          value={code}
          onInput={setCode}
          errors={errors.fields.code}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? props.busyLabel : props.submitLabel}
        </button>
      </form>
      <div class="after-form">
        <FormAlert id={`${id}-resend-alert`} messages={resendError} />
        <p>
          No mail, or the code has expired?{' '}
          <button type="button" id={`${id}-resend`} class="link" disabled={busy} onClick={() => void resend()}>
            Send a new code
          </button>
        </p>
      </div>
    </>
  );
}
