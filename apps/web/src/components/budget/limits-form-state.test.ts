import { BudgetInput } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { budgetFromForm, formFromLimits, RUN_FIELDS } from './limits-form-state';

describe('budget form state', () => {
  it('shows limits in people’s units and turns them back into the same limits', () => {
    const limits = BudgetInput.parse({
      usd: { soft: 0.02, hard: 0.05 },
      wallSeconds: 90,
      turns: 12,
    });
    const form = formFromLimits(limits, RUN_FIELDS);
    expect(form.usd).toEqual({ soft: '0.02', hard: '0.05' });
    expect(form.wallSeconds).toEqual({ soft: '', hard: '90' });
    expect(form.tokens).toEqual({ soft: '', hard: '' });
    const back = budgetFromForm(form);
    expect(back.ok && BudgetInput.parse(back.budget)).toEqual(limits);
  });

  it('leaves empty fields unlimited, and refuses what the server would', () => {
    expect(budgetFromForm({ usd: { soft: '', hard: ' ' } })).toEqual({ ok: true, budget: {} });
    expect(budgetFromForm({ turns: { soft: '', hard: '2.5' } })).toMatchObject({
      ok: false,
      field: 'turns',
    });
    expect(budgetFromForm({ usd: { soft: '3', hard: '2' } })).toMatchObject({
      ok: false,
      message: 'Spend: the soft limit must not exceed the hard limit',
    });
    expect(budgetFromForm({ usd: { soft: 'x', hard: '' } })).toMatchObject({ ok: false });
  });
});
