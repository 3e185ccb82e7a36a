import { describe, expect, it } from 'vitest';
import { parseManifest } from '../manifest/schema';
import {
  addAmounts,
  BudgetInput,
  BudgetLimits,
  CounterBudgetInput,
  DelegateBudget,
  formatBudgetAmount,
  hasLimits,
  HumanBudget,
  limitsToInput,
  PeriodBudgetsInput,
  sliceFromDelegate,
  toBudgetLimits,
} from './limits';

describe('budget limits in people’s units', () => {
  it('reads a bare number as a hard limit, and soft/hard objects as written', () => {
    expect(BudgetInput.parse({ usd: 2, turns: { soft: 5, hard: 10 } })).toEqual({
      usd: { hard: 2_000_000 },
      turns: { soft: 5, hard: 10 },
    });
  });

  it('keeps dollars as whole micro-dollars and wall time as milliseconds', () => {
    expect(BudgetInput.parse({ usd: { soft: 0.0000014, hard: 0.05 } })).toEqual({
      usd: { soft: 1, hard: 50_000 },
    });
    expect(BudgetInput.parse({ wallSeconds: { soft: 60, hard: 90 } })).toEqual({
      wallMs: { soft: 60_000, hard: 90_000 },
    });
  });

  it('drops a metric given an empty object, and keeps a soft-only limit', () => {
    expect(BudgetInput.parse({ tokens: {} })).toEqual({});
    expect(BudgetInput.parse({ tokens: { soft: 100 } })).toEqual({ tokens: { soft: 100 } });
  });

  it('refuses a soft limit above the hard one, negatives, fractions of counts and unknown keys', () => {
    expect(BudgetInput.safeParse({ usd: { soft: 3, hard: 2 } }).success).toBe(false);
    expect(BudgetInput.safeParse({ usd: -1 }).success).toBe(false);
    expect(BudgetInput.safeParse({ turns: 1.5 }).success).toBe(false);
    expect(BudgetInput.safeParse({ dollars: 1 }).success).toBe(false);
    expect(BudgetLimits.safeParse({ usd: { soft: 5, hard: 4 } }).success).toBe(false);
  });

  it('has no wall time for team and global periods', () => {
    expect(CounterBudgetInput.safeParse({ wallSeconds: 10 }).success).toBe(false);
    expect(PeriodBudgetsInput.parse({ day: { usd: 1 } })).toEqual({
      day: { usd: { hard: 1_000_000 } },
      month: {},
    });
  });

  it('parses a manifest budget to itself, so stored manifests read back the same', () => {
    const source = `
name: budgeted
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini }
budget:
  usd: { soft: 0.5, hard: 1 }
  llmCalls: 20
  wallSeconds: 600
`;
    const parsed = parseManifest(source);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.manifest.budget).toEqual({
      usd: { soft: 0.5, hard: 1 },
      llmCalls: 20,
      wallSeconds: 600,
    });
    expect(HumanBudget.parse(parsed.manifest.budget)).toEqual(parsed.manifest.budget);
    expect(toBudgetLimits(parsed.manifest.budget!)).toEqual({
      usd: { soft: 500_000, hard: 1_000_000 },
      llmCalls: { hard: 20 },
      wallMs: { hard: 600_000 },
    });
  });

  it('names the path of a bad manifest budget', () => {
    const parsed = parseManifest(`
name: budgeted
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini }
budget: { usd: { soft: 2, hard: 1 } }
`);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues[0]?.path).toMatch(/^budget\.usd/);
  });

  it('turns limits back into people’s units (what a form shows)', () => {
    const limits = BudgetInput.parse({
      usd: { soft: 0.25, hard: 1.5 },
      tokens: 5000,
      wallSeconds: 30,
    });
    expect(limitsToInput(limits)).toEqual({
      usd: { soft: 0.25, hard: 1.5 },
      tokens: { hard: 5000 },
      wallSeconds: { hard: 30 },
    });
    expect(BudgetInput.parse(limitsToInput(limits))).toEqual(limits);
  });

  it('makes a delegate call’s budget argument a slice of hard caps', () => {
    expect(sliceFromDelegate(DelegateBudget.parse({ usd: 0.1, llmCalls: 3 }))).toEqual({
      usd: { hard: 100_000 },
      llmCalls: { hard: 3 },
    });
    expect(sliceFromDelegate({})).toEqual({});
    expect(DelegateBudget.safeParse({ wallSeconds: 3 }).success).toBe(false);
  });

  it('adds amounts metric by metric, leaving out zeros', () => {
    expect(addAmounts({ usd: 5, turns: 1 }, { usd: 2, toolCalls: 1 })).toEqual({
      usd: 7,
      turns: 1,
      toolCalls: 1,
    });
    expect(addAmounts({}, {})).toEqual({});
    expect(hasLimits({})).toBe(false);
    expect(hasLimits({ turns: { soft: 1 } })).toBe(true);
    expect(hasLimits(null)).toBe(false);
  });

  it('formats amounts for people', () => {
    expect(formatBudgetAmount('usd', 1_234_567)).toBe('$1.23');
    expect(formatBudgetAmount('usd', 150)).toBe('$0.0001');
    expect(formatBudgetAmount('usd', 0)).toBe('$0.00');
    expect(formatBudgetAmount('tokens', 12_400)).toBe('12,400 tokens');
    expect(formatBudgetAmount('llmCalls', 3)).toBe('3 model calls');
    expect(formatBudgetAmount('llmCalls', 1)).toBe('1 model call');
    expect(formatBudgetAmount('turns', 0)).toBe('0 turns');
    expect(formatBudgetAmount('wallMs', 42_000)).toBe('42s');
    expect(formatBudgetAmount('wallMs', 250_000)).toBe('4m 10s');
    expect(formatBudgetAmount('wallMs', 2 * 3600_000 + 60_000)).toBe('2h 1m');
  });
});
