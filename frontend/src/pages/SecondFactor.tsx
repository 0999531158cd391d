import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import type { AuthResponse, SecondFactorMethod, SecondFactorPending } from '../api/types';
import { Field, FormAlert } from '../components/ui';
import { useFormSubmit } from '../lib/hooks';

const LABELS: Record<SecondFactorMethod, { field: string; hint: string; other: string }> = {
  totp: {
    field: 'Code from your authenticator app',
    hint: 'The 6 digits your app shows for this account.',
    other: 'Use a code from your authenticator app instead',
  },
  lookup_secret: {
    field: 'Recovery code',
    hint: 'One of the recovery codes you saved; each works once.',
    other: 'Use a recovery code instead',
  },
};

/**
 * The second step of a login for a person with a second factor: the password
 * was right, and `pending` holds a password-only session that only a code can
 * complete. The token is sent with this one request and kept nowhere else.
 */
export function SecondFactorStep({
  pending,
  onSignedIn,
}: {
  pending: SecondFactorPending;
  onSignedIn: (response: AuthResponse) => void;
}) {
  const methods = pending.second_factor.methods;
  const [method, setMethod] = useState<SecondFactorMethod>(methods[0] ?? 'totp');
  const [code, setCode] = useState('');
  const { errors, busy, handle } = useFormSubmit(['code']);
  const other = methods.find((m) => m !== method);

  const submit = handle(async () => {
    const response = await call(
      api.POST('/api/auth/second-factor', {
        body: { method, code, flow_id: pending.second_factor.flow_id },
        headers: pending.session_token ? { Authorization: `Bearer ${pending.session_token}` } : {},
      }),
    );
    onSignedIn(response);
  });

  return (
    <form id="second-factor" onSubmit={(event) => void submit(event)} noValidate>
      <p>Your account has two-factor authentication.</p>
      <FormAlert id="second-factor-alert" messages={errors.form} />
      <Field
        form="second-factor"
        name="code"
        label={LABELS[method].field}
        hint={LABELS[method].hint}
        autoComplete="one-time-code"
        required
        value={code}
        onInput={setCode}
        errors={errors.fields.code}
      />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Checking…' : 'Continue'}
      </button>
      {other && (
        <button
          type="button"
          class="link"
          onClick={() => {
            setMethod(other);
            setCode('');
          }}
        >
          {LABELS[other].other}
        </button>
      )}
    </form>
  );
}
