// Helpers for setting up a second factor (Settings): the TOTP key for people to
// read and type, the recovery codes as a file to keep, and the clipboard.

/** A base32 key in groups of four ("JBSW Y3DP EHPK 3PXP"), the way apps and people read it. */
export function groupSecret(secret: string, size = 4): string {
  const plain = secret.replace(/\s+/g, '').toUpperCase();
  const groups: string[] = [];
  for (let i = 0; i < plain.length; i += size) groups.push(plain.slice(i, i + size));
  return groups.join(' ');
}

/**
 * The recovery codes as a text file to keep: whose they are, where they work,
 * and how; then one code a line.
 */
export function recoveryCodesText(options: { codes: readonly string[]; email: string; site: string; made: string }): string {
  return [
    `Recovery codes for ${options.email} at ${options.site}`,
    `Made ${options.made}. Each code works once, in place of a code from your authenticator app.`,
    'Keep them somewhere safe. Making new codes replaces these.',
    '',
    ...options.codes,
    '',
  ].join('\n');
}

/** Copies `text`; false when the browser refused (no permission, or no clipboard outside HTTPS). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
