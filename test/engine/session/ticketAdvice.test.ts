import { strict as assert } from 'node:assert';
import { ticketAdvice } from '../../../engine/session/ticketAdvice';

describe('ticket advice', () => {
  it('warns about a CS ticket that keeps nothing or everything, and says what to change', () => {
    assert.match(ticketAdvice('cs', 0) ?? '', /keeps no weights.*Raise maskInit/);
    assert.match(ticketAdvice('cs', 1) ?? '', /keeps \(almost\) every weight.*Lower maskInit/);
    assert.match(ticketAdvice('cs', 0.9999) ?? '', /every weight/);
  });

  it('says nothing about a ticket in between, nor about IMP, whose density its rounds set', () => {
    assert.equal(ticketAdvice('cs', 0.0008), null);
    assert.equal(ticketAdvice('cs', 0.5), null);
    assert.equal(ticketAdvice('cs', 0.998), null);
    assert.equal(ticketAdvice('imp', 0), null);
    assert.equal(ticketAdvice('imp', 1), null);
  });
});
