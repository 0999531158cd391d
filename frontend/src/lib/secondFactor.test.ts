import { afterEach, describe, expect, it, vi } from 'vitest';

import { copyText, groupSecret, recoveryCodesText } from './secondFactor';

describe('groupSecret', () => {
  it('groups a base32 key by four, whatever the spacing and case it came in', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('jbsw y3dp ehp')).toBe('JBSW Y3DP EHP');
    expect(groupSecret('')).toBe('');
  });
});

describe('recoveryCodesText', () => {
  it('says whose codes they are and how they work, then one code a line', () => {
    const text = recoveryCodesText({
      codes: ['abcd1234', 'efgh5678'],
      email: 'ada@example.com',
      site: 'https://docs.example.com',
      made: '23 Nov 2026, 15:20',
    });
    expect(text.split('\n')).toEqual([
      'Recovery codes for ada@example.com at https://docs.example.com',
      'Made 23 Nov 2026, 15:20. Each code works once, in place of a code from your authenticator app.',
      'Keep them somewhere safe. Making new codes replaces these.',
      '',
      'abcd1234',
      'efgh5678',
      '',
    ]);
  });
});

describe('copyText', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('says whether the browser copied', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    await expect(copyText('abc')).resolves.toBe(true);
    expect(writeText).toHaveBeenCalledWith('abc');

    vi.stubGlobal('navigator', { clipboard: { writeText: () => Promise.reject(new DOMException('denied')) } });
    await expect(copyText('abc')).resolves.toBe(false);

    vi.stubGlobal('navigator', {});
    await expect(copyText('abc')).resolves.toBe(false);
  });
});
