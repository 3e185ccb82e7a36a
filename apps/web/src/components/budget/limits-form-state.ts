import { type BudgetLimits, limitsToInput } from '@flightdeck/domain';

/**
 * The budget forms' state: one soft and one hard text field per metric, in
 * people's units (dollars, seconds), turned into the API's budget input.
 */

export const RUN_FIELDS = [
  'usd',
  'tokens',
  'llmCalls',
  'toolCalls',
  'turns',
  'wallSeconds',
] as const;
export const PERIOD_FIELDS = ['usd', 'tokens', 'llmCalls', 'toolCalls', 'turns'] as const;
export type LimitField = (typeof RUN_FIELDS)[number];

export const FIELD_LABELS: Record<LimitField, { name: string; unit: string }> = {
  usd: { name: 'Spend', unit: 'USD' },
  tokens: { name: 'Tokens', unit: 'tokens' },
  llmCalls: { name: 'Model calls', unit: 'calls' },
  toolCalls: { name: 'Tool calls', unit: 'calls' },
  turns: { name: 'Turns', unit: 'turns' },
  wallSeconds: { name: 'Wall time', unit: 'seconds' },
};

export type LimitsForm = Partial<Record<LimitField, { soft: string; hard: string }>>;

export function formFromLimits(limits: BudgetLimits, fields: readonly LimitField[]): LimitsForm {
  const human = limitsToInput(limits) as Partial<
    Record<LimitField, number | { soft?: number; hard?: number }>
  >;
  const form: LimitsForm = {};
  for (const field of fields) {
    const value = human[field];
    const limit = typeof value === 'number' ? { hard: value } : (value ?? {});
    form[field] = {
      soft: limit.soft === undefined ? '' : String(limit.soft),
      hard: limit.hard === undefined ? '' : String(limit.hard),
    };
  }
  return form;
}

export type FormResult =
  | { ok: true; budget: Partial<Record<LimitField, { soft?: number; hard?: number }>> }
  | { ok: false; field: LimitField; message: string };

/** The form as budget input; an empty field is no limit. The server validates again. */
export function budgetFromForm(form: LimitsForm): FormResult {
  const budget: Partial<Record<LimitField, { soft?: number; hard?: number }>> = {};
  for (const [key, value] of Object.entries(form) as Array<
    [LimitField, { soft: string; hard: string }]
  >) {
    const limit: { soft?: number; hard?: number } = {};
    for (const which of ['soft', 'hard'] as const) {
      const text = value[which].trim();
      if (!text) continue;
      const n = Number(text);
      if (!Number.isFinite(n) || n < 0)
        return {
          ok: false,
          field: key,
          message: `${FIELD_LABELS[key].name}: ${which} limit must be a number ≥ 0`,
        };
      if (key !== 'usd' && !Number.isInteger(n))
        return {
          ok: false,
          field: key,
          message: `${FIELD_LABELS[key].name}: ${which} limit must be a whole number`,
        };
      limit[which] = n;
    }
    if (limit.soft !== undefined && limit.hard !== undefined && limit.soft > limit.hard)
      return {
        ok: false,
        field: key,
        message: `${FIELD_LABELS[key].name}: the soft limit must not exceed the hard limit`,
      };
    if (limit.soft !== undefined || limit.hard !== undefined) budget[key] = limit;
  }
  return { ok: true, budget };
}
