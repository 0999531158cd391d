import { describe, expect, it } from 'vitest';

import { pendingState, readPendingCode } from './pending';

const FLOW = '0b9ad0b2-8a51-4f6e-9d5e-2a3c1d4e5f60';

describe('the pending code in history state', () => {
  it('reads back what it wrote', () => {
    const pending = { flowId: FLOW, email: 'ada@example.com' };
    expect(readPendingCode(pendingState(pending))).toEqual(pending);
    // Through structured cloning, as history.state does.
    expect(readPendingCode(structuredClone(pendingState(pending)))).toEqual(pending);
    expect(pendingState(null)).toBeNull();
  });

  it('ignores anything else a history entry may hold', () => {
    for (const state of [
      null,
      undefined,
      'x',
      {},
      { pendingCode: null },
      { pendingCode: { flowId: 'not-a-uuid', email: 'ada@example.com' } },
      { pendingCode: { flowId: FLOW, email: '' } },
      { pendingCode: { flowId: FLOW } },
    ]) {
      expect(readPendingCode(state)).toBeNull();
    }
  });
});
