import { useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, noErrors, rateLimitedText, toFormErrors, type FormErrors } from '../api/problem';
import type { AuthResponse, SecondFactorMethod, SecondFactorPending } from '../api/types';
import { Field, FormAlert } from '../components/ui';
import { cleanCode, deadFlow } from '../lib/codes';
import { useFormSubmit } from '../lib/hooks';

/**
 * What it takes to finish a sign-in whose password was right (or to step a
 * session up). The password-only session itself is in the session cookie,
 * which the server set with the 202.
 */
export interface SecondFactorChallenge {
  /** The login flow to finish; null starts a new one (an existing session stepping up). */
  flowId: string | null;
  /** The factors the person has, in the order to offer them. */
  methods: readonly SecondFactorMethod[];
}

/** The challenge in a login's (or recovery code's) 202 answer. */
export function challengeFrom(pending: SecondFactorPending): SecondFactorChallenge {
  return {
    flowId: pending.second_factor.flow_id,
    methods: pending.second_factor.methods,
  };
}

// `switchTo`: the link that offers this method while the other one is shown.
const LABELS: Record<SecondFactorMethod, { lead: string; field: string; hint: string; switchTo: string }> = {
  totp: {
    lead: 'Open your authenticator app and enter the code it shows.',
    field: 'Code from your authenticator app',
    hint: 'The 6 digits your app shows for this account; they change every 30 seconds.',
    switchTo: 'Use a code from your authenticator app instead',
  },
  lookup_secret: {
    lead: 'Enter one of the recovery codes you saved when you set up two-factor authentication.',
    field: 'Recovery code',
    hint: 'Each code works once; cross it off your list after using it.',
    switchTo: 'Use a recovery code instead',
  },
};

/** What a person types, as the API wants it: digits only for an app's code. */
function cleanFor(method: SecondFactorMethod, code: string): string {
  const trimmed = code.trim();
  return method === 'totp' ? cleanCode(trimmed) || trimmed : trimmed;
}

/** The API's message 9000009: a code that has signed this person in already. */
const CODE_ALREADY_USED = 9000009;

/**
 * The server ended this login: its code had signed the person in already (each
 * code signs in once), so the half-made session was revoked, not completed.
 */
function loginEnded(error: unknown): boolean {
  return (
    error instanceof ApiError && (error.problem?.messages ?? []).some((message) => message.id === CODE_ALREADY_USED)
  );
}

/** The second step's errors in people's words; a wrong code under the field. */
export function secondFactorErrors(error: unknown): FormErrors {
  if (error instanceof ApiError) {
    if (loginEnded(error)) return { fields: {}, form: (error.problem?.messages ?? []).map((message) => message.text) };
    if (error.code === 'rate_limited') return { fields: {}, form: [rateLimitedText(error, 'wrong codes')] };
    if (error.status === 401) {
      return { fields: {}, form: ['This login has timed out or was ended. Please log in again.'] };
    }
  }
  return toFormErrors(error, ['code']);
}

/**
 * Ends a password-only session that will not be completed (the person went
 * back instead of entering a code), which also clears the session cookie. Best
 * effort: Kratos ends it anyway when it expires, and the next sign-in replaces
 * the cookie.
 */
export function abandonChallenge(): void {
  void call(api.POST('/api/auth/logout')).catch(() => undefined);
}

/**
 * The second step of a login for a person with a second factor: the password
 * was right, and the session cookie holds a password-only session that only a
 * code can complete. Also steps up a session the API refused with
 * `second_factor_required`.
 */
export function SecondFactorStep({
  challenge,
  onSignedIn,
  onCancel,
  cancelLabel = 'Start over',
  reason = 'Your account is protected with two-factor authentication.',
}: {
  challenge: SecondFactorChallenge;
  /** Why a code is asked for, before what to do. */
  reason?: string;
  onSignedIn: (response: AuthResponse) => void;
  /** Gives up on this sign-in (the page decides what that means). */
  onCancel?: () => void;
  cancelLabel?: string;
}) {
  const { methods } = challenge;
  const [method, setMethod] = useState<SecondFactorMethod>(methods[0] ?? 'totp');
  const [code, setCode] = useState('');
  // A login flow lives 10 minutes; past that, a new one for the same session.
  const [flowId, setFlowId] = useState(challenge.flowId);
  // The server ended this login (a code used before): only starting over is left.
  const [ended, setEnded] = useState(false);
  const { errors, setErrors, busy, handle } = useFormSubmit(['code'], secondFactorErrors);
  const other = methods.find((m) => m !== method);

  const submit = handle(async () => {
    const send = (flow: string | null) =>
      call(
        api.POST('/api/auth/second-factor', {
          body: { method, code: cleanFor(method, code), flow_id: flow },
        }),
      );
    let response: AuthResponse;
    try {
      try {
        response = await send(flowId);
      } catch (error) {
        if (flowId === null || deadFlow(error) === null) throw error;
        setFlowId(null);
        response = await send(null);
      }
    } catch (error) {
      if (loginEnded(error)) setEnded(true);
      throw error;
    }
    onSignedIn(response);
  });

  if (ended) {
    return (
      <>
        <FormAlert id="second-factor-alert" messages={errors.form} />
        {onCancel && (
          <p>
            <button type="button" class="primary" id="second-factor-cancel" onClick={onCancel}>
              {cancelLabel}
            </button>
          </p>
        )}
      </>
    );
  }

  const labels = LABELS[method];
  return (
    <>
      <p id="second-factor-lead">
        {reason} {labels.lead}
      </p>
      <form id="second-factor" onSubmit={(event) => void submit(event)} noValidate>
        <FormAlert id="second-factor-alert" messages={errors.form} />
        <Field
          // A new field for the other method: it takes the focus, empty.
          key={method}
          form="second-factor"
          name="code"
          label={labels.field}
          hint={labels.hint}
          autoComplete={method === 'totp' ? 'one-time-code' : 'off'}
          inputMode={method === 'totp' ? 'numeric' : undefined}
          maxLength={64}
          required
          autoFocus
          value={code}
          onInput={setCode}
          errors={errors.fields.code}
        />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Continue'}
        </button>
      </form>
      <div class="after-form">
        {other && (
          <p>
            <button
              type="button"
              class="link"
              id="second-factor-switch"
              disabled={busy}
              onClick={() => {
                setMethod(other);
                setCode('');
                setErrors(noErrors);
              }}
            >
              {LABELS[other].switchTo}
            </button>
          </p>
        )}
        {onCancel && (
          <p>
            <button type="button" class="link" id="second-factor-cancel" disabled={busy} onClick={onCancel}>
              {cancelLabel}
            </button>
          </p>
        )}
      </div>
    </>
  );
}
