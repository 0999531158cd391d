import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

import { api, call } from '../api/client';
import { ApiError, describeError, toFormErrors, type FormErrors } from '../api/problem';
import type { RecoveryCodesView, TotpSetup } from '../api/types';
import { useSession } from '../auth/session';
import { useReauthentication } from '../components/Reauthenticate';
import { Field, FormAlert, Loading, Notice, formatDate } from '../components/ui';
import { cleanCode, deadFlow } from '../lib/codes';
import { useFileUrl } from '../lib/download';
import { useFormSubmit, useResource } from '../lib/hooks';
import { ReauthenticationCancelled, withRecentLogin } from '../lib/reauth';
import { copyText, groupSecret, recoveryCodesText } from '../lib/secondFactor';

// Settings' "Two-factor authentication": an authenticator app (TOTP) and
// recovery codes. Every change needs a recent login; when the API says the
// login is too old, the current-password prompt opens under the change and the
// same request is sent again (lib/reauth.ts), as for a new password.

type Outcome = { kind: 'info' | 'success'; text: string } | null;

const NOTHING_CHANGED: Outcome = { kind: 'info', text: 'Nothing was changed.' };

/**
 * One change at a time in a part of the section: busy while it runs, then what
 * happened (`Outcome`), or its error in people's words (`explain`).
 */
function useChange() {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const run = async (change: () => Promise<Outcome>, explain: (error: unknown) => string = describeError) => {
    setBusy(true);
    setErrors([]);
    setOutcome(null);
    try {
      setOutcome(await change());
    } catch (error) {
      if (error instanceof ReauthenticationCancelled) setOutcome(NOTHING_CHANGED);
      else setErrors([explain(error)]);
    } finally {
      setBusy(false);
    }
  };
  return { busy, errors, outcome, setOutcome, run };
}

/** Moves the keyboard focus to an element when it appears (a panel that replaced the button pressed). */
function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}

export function TwoFactorSection() {
  const status = useResource('second-factor', () => call(api.GET('/api/account/second-factor')));
  const factors = status.data;
  const on = factors ? factors.totp || factors.recovery_codes : false;

  return (
    <section aria-labelledby="two-factor-heading" id="two-factor">
      <h2 id="two-factor-heading">Two-factor authentication</h2>
      <p class="muted">
        With two-factor authentication, logging in asks for a code from your phone after your password, so a password
        someone has found or guessed is not enough.
      </p>
      {status.state === 'failed' && <FormAlert messages={[describeError(status.error)]} />}
      {status.state === 'loading' && !factors && <Loading what="your two-factor settings" />}
      {factors && (
        <>
          <p id="two-factor-status">
            {on
              ? 'Two-factor authentication is on: logging in asks for a code after your password.'
              : 'Two-factor authentication is off: your password alone logs you in.'}
          </p>
          <AuthenticatorApp on={factors.totp} hasRecoveryCodes={factors.recovery_codes} onChanged={status.reload} />
          <RecoveryCodes
            on={factors.recovery_codes}
            left={factors.recovery_codes_left ?? null}
            hasApp={factors.totp}
            onChanged={status.reload}
          />
        </>
      )}
    </section>
  );
}

function Factor(props: { id: string; title: string; on: boolean; children: ComponentChildren }) {
  return (
    <div class="factor" id={props.id} aria-labelledby={`${props.id}-heading`} role="group">
      <div class="factor-head">
        <h3 id={`${props.id}-heading`}>{props.title}</h3>
        <span class={props.on ? 'badge badge--ok' : 'badge badge--off'} id={`${props.id}-status`}>
          {props.on ? 'On' : 'Off'}
        </span>
      </div>
      {props.children}
    </div>
  );
}

/** "Are you sure?" in place of the button that asked, as elsewhere in the app. */
export function Confirm(props: {
  id: string;
  children: ComponentChildren;
  confirmLabel: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancel = useFocusOnMount<HTMLButtonElement>();
  return (
    <div class="confirm" role="alertdialog" aria-labelledby={`${props.id}-text`} id={props.id}>
      <p id={`${props.id}-text`}>{props.children}</p>
      <button type="button" class="danger" disabled={props.busy} onClick={props.onConfirm}>
        {props.confirmLabel}
      </button>
      <button type="button" ref={cancel} disabled={props.busy} onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** A button that copies `text`, and says whether it did (in a live region). */
function CopyButton({ id, text, label }: { id: string; text: string; label: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  return (
    <>
      <button type="button" id={id} onClick={() => void copyText(text).then(setCopied)}>
        {label}
      </button>
      <span class={copied === false ? 'copy-result copy-result--failed' : 'copy-result'} id={`${id}-result`} role="status">
        {copied === true && 'Copied.'}
        {copied === false && 'Your browser did not let us copy. Select the text and copy it yourself.'}
      </span>
    </>
  );
}

// ---------------------------------------------------------------- the app (TOTP)

const SET_UP: Outcome = { kind: 'success', text: 'set up' };

function setUpText(hasRecoveryCodes: boolean): Outcome {
  const text = 'Your authenticator app is set up. From now on, logging in asks for a code from it.';
  return {
    kind: 'success',
    text: hasRecoveryCodes ? text : `${text} Now generate recovery codes, in case you lose your phone.`,
  };
}

function AuthenticatorApp(props: { on: boolean; hasRecoveryCodes: boolean; onChanged: () => void }) {
  const { on, hasRecoveryCodes, onChanged } = props;
  const reauthentication = useReauthentication();
  const change = useChange();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [confirmRemoval, setConfirmRemoval] = useState(false);

  const start = () =>
    change.run(async () => {
      try {
        setSetup(await withRecentLogin(() => call(api.POST('/api/account/second-factor/totp')), reauthentication.confirm));
        return null;
      } catch (error) {
        // Set up meanwhile (in another tab): the status was out of date.
        if (error instanceof ApiError && error.status === 409) {
          onChanged();
          return { kind: 'info', text: 'An authenticator app is set up already.' };
        }
        throw error;
      }
    });

  const remove = () =>
    change.run(async () => {
      setConfirmRemoval(false);
      try {
        await withRecentLogin(() => call(api.DELETE('/api/account/second-factor/totp')), reauthentication.confirm);
      } catch (error) {
        // Removed meanwhile: what was asked for is done.
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      onChanged();
      return { kind: 'success', text: 'The authenticator app is removed. Logging in no longer asks for its codes.' };
    });

  const finished = () => {
    setSetup(null);
    onChanged();
    change.setOutcome(SET_UP);
  };
  // Worded when shown: the nudge to make recovery codes goes once they exist.
  const outcome = change.outcome === SET_UP ? setUpText(hasRecoveryCodes) : change.outcome;

  return (
    <Factor id="totp" title="Authenticator app" on={on}>
      <p class="muted">
        {on
          ? 'Logging in asks for the 6-digit code your app shows for this account.'
          : 'An app on your phone (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…) shows a new 6-digit code every 30 seconds.'}
      </p>
      {outcome && <Notice kind={outcome.kind}>{outcome.text}</Notice>}
      <FormAlert id="totp-alert" messages={change.errors} />
      {setup ? (
        <TotpSetupPanel
          setup={setup}
          reauthenticate={reauthentication.confirm}
          onDone={finished}
          onCancel={() => {
            setSetup(null);
            change.setOutcome({ kind: 'info', text: 'The app is not set up. Remove the entry you added to it, if any.' });
          }}
          onExpired={() => {
            setSetup(null);
            change.setOutcome({
              kind: 'info',
              text: 'The setup expired before it was confirmed. Start again, and remove the old entry from your app.',
            });
          }}
        />
      ) : confirmRemoval ? (
        <Confirm
          id="totp-remove-confirm"
          confirmLabel="Yes, remove it"
          busy={change.busy}
          onConfirm={() => void remove()}
          onCancel={() => setConfirmRemoval(false)}
        >
          Remove the authenticator app? Logging in will no longer ask for its codes.
          {hasRecoveryCodes &&
            ' Your recovery codes stay, and logging in asks for one of them instead; remove them too to log in with your password alone.'}
        </Confirm>
      ) : (
        <div class="buttons">
          {on ? (
            <button
              type="button"
              id="totp-remove"
              class="danger"
              aria-label="Remove the authenticator app"
              disabled={change.busy}
              onClick={() => {
                change.setOutcome(null);
                setConfirmRemoval(true);
              }}
            >
              {change.busy ? 'Removing…' : 'Remove'}
            </button>
          ) : (
            <button type="button" id="totp-start" class="primary" disabled={change.busy} onClick={() => void start()}>
              {reauthentication.prompt
                ? 'Waiting for your current password…'
                : change.busy
                  ? 'Starting…'
                  : 'Set up an authenticator app'}
            </button>
          )}
        </div>
      )}
      {reauthentication.prompt}
    </Factor>
  );
}

function totpConfirmErrors(error: unknown): FormErrors {
  return toFormErrors(error, ['code']);
}

/** The QR code and the key to add to an app, and the code that proves it was added. */
function TotpSetupPanel(props: {
  setup: TotpSetup;
  reauthenticate: () => Promise<void>;
  onDone: () => void;
  onCancel: () => void;
  onExpired: () => void;
}) {
  const { setup, reauthenticate, onDone, onExpired } = props;
  const panel = useFocusOnMount<HTMLDivElement>();
  const [code, setCode] = useState('');
  const [cancelled, setCancelled] = useState(false);
  const { errors, busy, handle } = useFormSubmit(['code'], totpConfirmErrors);

  const submit = handle(async () => {
    setCancelled(false);
    const body = { flow_id: setup.flow_id, code: cleanCode(code) || code.trim() };
    try {
      await withRecentLogin(
        () => call(api.POST('/api/account/second-factor/totp/confirm', { body })),
        reauthenticate,
      );
    } catch (error) {
      if (error instanceof ReauthenticationCancelled) {
        setCancelled(true);
        return;
      }
      // The key lived in that flow: a new setup means a new key.
      if (deadFlow(error)) {
        onExpired();
        return;
      }
      throw error;
    }
    onDone();
  });

  return (
    <div class="panel" id="totp-setup" ref={panel} tabIndex={-1} role="group" aria-labelledby="totp-setup-heading">
      <h4 id="totp-setup-heading">Set up an authenticator app</h4>
      <ol class="steps">
        <li>Open your authenticator app and choose to add an account.</li>
        <li>
          Scan this QR code with it:
          <img class="qr" id="totp-qr" src={setup.qr_code} width={180} height={180} alt="QR code for your authenticator app" />
          <p class="muted">
            Cannot scan it? Type this key into the app instead (a time-based key, spaces optional):
          </p>
          <p class="secret-row">
            <code class="secret" id="totp-secret">
              {groupSecret(setup.secret)}
            </code>
            <CopyButton id="totp-secret-copy" text={setup.secret} label="Copy key" />
          </p>
        </li>
        <li>
          Enter the code the app now shows, to check that it works.
          <form id="totp-confirm" onSubmit={(event) => void submit(event)} noValidate>
            <FormAlert id="totp-confirm-alert" messages={errors.form} />
            {cancelled && <Notice>Not set up yet: confirm your password to finish.</Notice>}
            <Field
              form="totp-confirm"
              name="code"
              label="Code from the app"
              autoComplete="one-time-code"
              inputMode="numeric"
              maxLength={12}
              required
              value={code}
              onInput={setCode}
              errors={errors.fields.code}
            />
            <div class="buttons">
              <button type="submit" class="primary" disabled={busy}>
                {busy ? 'Checking…' : 'Turn on'}
              </button>
              <button type="button" disabled={busy} onClick={props.onCancel}>
                Cancel
              </button>
            </div>
          </form>
        </li>
      </ol>
    </div>
  );
}

// ---------------------------------------------------------------- recovery codes

interface Generated {
  view: RecoveryCodesView;
  made: string;
}

/** At or below this many unused recovery codes, the section suggests new ones. */
const FEW_CODES_LEFT = 3;

/** How many recovery codes are left, in words; a warning when few or none are. */
function CodesLeft({ left }: { left: number }) {
  const text =
    left === 0
      ? 'All your recovery codes have been used: none of them will log you in. Generate new ones.'
      : `${left === 1 ? '1 recovery code is' : `${left} recovery codes are`} left.` +
        (left <= FEW_CODES_LEFT ? ' Generate new ones before they run out.' : '');
  return (
    <p id="recovery-codes-left">
      {left <= FEW_CODES_LEFT && (
        <>
          <span class="badge badge--warn">{left === 0 ? 'None left' : 'Few left'}</span>{' '}
        </>
      )}
      {text}
    </p>
  );
}

function RecoveryCodes(props: { on: boolean; left: number | null; hasApp: boolean; onChanged: () => void }) {
  const { on, left, hasApp, onChanged } = props;
  const reauthentication = useReauthentication();
  const change = useChange();
  const [generated, setGenerated] = useState<Generated | null>(null);
  const [confirmRemoval, setConfirmRemoval] = useState(false);

  const generate = () =>
    change.run(async () => {
      const view = await withRecentLogin(
        () => call(api.POST('/api/account/second-factor/recovery-codes')),
        reauthentication.confirm,
      );
      setGenerated({ view, made: formatDate(new Date().toISOString()) });
      return null;
    });

  const save = (flowId: string) =>
    change.run(
      async () => {
        try {
          await withRecentLogin(
            () => call(api.POST('/api/account/second-factor/recovery-codes/confirm', { body: { flow_id: flowId } })),
            reauthentication.confirm,
          );
        } catch (error) {
          if (deadFlow(error)) setGenerated(null);
          throw error;
        }
        setGenerated(null);
        onChanged();
        return {
          kind: 'success',
          text: on
            ? 'Your new recovery codes are in force; the old ones no longer work.'
            : 'Your recovery codes are in force. Each one lets you log in once without your authenticator app.',
        };
      },
      (error) =>
        deadFlow(error)
          ? 'These codes expired before you confirmed them, and do not work. Generate new ones.'
          : describeError(error),
    );

  const remove = () =>
    change.run(async () => {
      setConfirmRemoval(false);
      try {
        await withRecentLogin(
          () => call(api.DELETE('/api/account/second-factor/recovery-codes')),
          reauthentication.confirm,
        );
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 404)) throw error;
      }
      onChanged();
      return { kind: 'success', text: 'Your recovery codes are removed and no longer work.' };
    });

  const waiting = reauthentication.prompt !== null;
  return (
    <Factor id="recovery-codes" title="Recovery codes" on={on}>
      <p class="muted">
        Single-use codes for when you cannot use your authenticator app (a lost or new phone). Keep them somewhere safe,
        such as a password manager.
      </p>
      {on && left !== null && !generated && <CodesLeft left={left} />}
      {change.outcome && <Notice kind={change.outcome.kind}>{change.outcome.text}</Notice>}
      <FormAlert id="recovery-codes-alert" messages={change.errors} />
      {generated ? (
        <NewRecoveryCodes
          generated={generated}
          replacing={on}
          busy={change.busy}
          waiting={waiting}
          onSave={() => void save(generated.view.flow_id)}
          onDiscard={() => {
            setGenerated(null);
            change.setOutcome({
              kind: 'info',
              text: on ? 'Nothing was changed: your old codes still work.' : 'Nothing was changed.',
            });
          }}
        />
      ) : confirmRemoval ? (
        <Confirm
          id="recovery-codes-remove-confirm"
          confirmLabel="Yes, remove them"
          busy={change.busy}
          onConfirm={() => void remove()}
          onCancel={() => setConfirmRemoval(false)}
        >
          Remove your recovery codes? None of them will work any more.
        </Confirm>
      ) : !on && !hasApp ? (
        <p class="empty" id="recovery-codes-later">
          Set up an authenticator app first; recovery codes are for the day you cannot use it.
        </p>
      ) : (
        <div class="buttons">
          <button
            type="button"
            id="recovery-codes-generate"
            class={on ? undefined : 'primary'}
            disabled={change.busy}
            onClick={() => void generate()}
          >
            {waiting ? 'Waiting for your current password…' : on ? 'Generate new codes' : 'Generate recovery codes'}
          </button>
          {on && (
            <button
              type="button"
              id="recovery-codes-remove"
              class="danger"
              aria-label="Remove the recovery codes"
              disabled={change.busy}
              onClick={() => {
                change.setOutcome(null);
                setConfirmRemoval(true);
              }}
            >
              Remove
            </button>
          )}
        </div>
      )}
      {reauthentication.prompt}
    </Factor>
  );
}

/** New codes, shown this once: copy or download them, then put them in force. */
function NewRecoveryCodes(props: {
  generated: Generated;
  replacing: boolean;
  busy: boolean;
  waiting: boolean;
  onSave: () => void;
  onDiscard: () => void;
}) {
  const { identity } = useSession();
  const panel = useFocusOnMount<HTMLDivElement>();
  const { codes } = props.generated.view;
  const file = recoveryCodesText({ codes, email: identity.email, site: location.origin, made: props.generated.made });
  const url = useFileUrl(file);

  return (
    <div
      class="panel"
      id="recovery-codes-new"
      ref={panel}
      tabIndex={-1}
      role="group"
      aria-labelledby="recovery-codes-new-heading"
    >
      <h4 id="recovery-codes-new-heading">Your new recovery codes</h4>
      <p>
        Save these codes now: they are shown only this once. Each one lets you log in once in place of a code from your
        app.
        {props.replacing && ' Your old codes keep working until you confirm that you have saved these.'}
      </p>
      <ol class="codes" id="recovery-codes-list">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <p class="buttons">
        <CopyButton id="recovery-codes-copy" text={codes.join('\n')} label="Copy codes" />
        {url && (
          <a class="button" id="recovery-codes-download" href={url} download="recovery-codes.txt">
            Download as a text file
          </a>
        )}
      </p>
      <div class="buttons">
        <button type="button" id="recovery-codes-confirm" class="primary" disabled={props.busy} onClick={props.onSave}>
          {props.waiting ? 'Waiting for your current password…' : props.busy ? 'Saving…' : 'I have saved them'}
        </button>
        <button type="button" id="recovery-codes-discard" disabled={props.busy} onClick={props.onDiscard}>
          Cancel
        </button>
      </div>
    </div>
  );
}
