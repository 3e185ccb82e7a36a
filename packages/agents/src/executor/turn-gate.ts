import { readFile } from 'node:fs/promises';
import {
  type AgentState,
  ancestorNames,
  type BreakerState,
  coveringBreakers,
  decideAtGate,
  DEFAULT_GATE_TIMEOUT_MS,
  type EffectivePolicy,
  evaluatePolicy,
  type GateDecision,
  type GateRequest,
  type ToolCallState,
} from '@flightdeck/domain';
import { type Engine, fingerprintCall, loadEffectivePolicy } from '@flightdeck/engine';
import { resolveInWorkspace } from '../tools/workspace-path';
import type { RunContext } from './run-context';

/** File content shown to approvers beside a proposed write, at most. */
const MAX_DIFF_BEFORE_CHARS = 64 * 1024;

/**
 * The gate as one turn uses it: every model and tool call is decided here, in
 * the worker, before it happens. The effective policy is loaded once per turn
 * (the team's defaults can change between turns); loading it counts against
 * the gate's time limit, so a slow or failing database denies.
 */
export class TurnGate {
  private policy: Promise<EffectivePolicy> | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly context: RunContext,
    private readonly timeoutMs = DEFAULT_GATE_TIMEOUT_MS,
  ) {}

  private loadPolicy(): Promise<EffectivePolicy> {
    const state = this.context.state;
    this.policy ??= loadEffectivePolicy(this.engine, {
      teamId: state.teamId ?? '',
      manifest: this.context.manifest,
      manifestVersion: state.manifestVersion ?? 0,
    });
    // A failed load is not cached: the next call tries again (and is denied if it fails again).
    this.policy.catch(() => {
      this.policy = null;
    });
    return this.policy;
  }

  /** Decide a call by the policy. Never throws: any failure is a deny, with its reason. */
  decide(
    agent: AgentState,
    subject: GateRequest['subject'],
    tool: string,
    args: GateRequest['args'],
  ) {
    const state = this.context.state;
    const request: GateRequest = {
      subject,
      tool,
      args,
      agent: {
        key: agent.name,
        ancestors: ancestorNames(state, agent),
        depth: agent.depth,
        turn: agent.turn?.turn ?? agent.turnsTaken,
      },
      run: { costMicroUsd: state.totals.costMicroUsd, allowedRules: state.allowedRules },
    };
    return decideAtGate(async () => evaluatePolicy(await this.loadPolicy(), request), {
      policyVersion: `m${state.manifestVersion ?? 0}`,
      timeoutMs: this.timeoutMs,
    });
  }

  /**
   * The open circuit breaker that holds this agent (one of the whole run, or
   * one naming it), if any: then no call of its is made, whatever the policy.
   */
  breakerHold(agent: AgentState): BreakerState | null {
    return coveringBreakers(this.context.state, agent.id)[0] ?? null;
  }

  /** The approval settings of the effective policy (for asks the gate adds itself, e.g. in a fork). */
  async approvalSettings() {
    return (await this.loadPolicy()).approvals;
  }

  /** The approval that allowed exactly this call, if any: then the gate lets it through once. */
  approvedDecision(agent: AgentState, call: ToolCallState): GateDecision | null {
    if (!call.approved) return null;
    const fingerprint = this.fingerprint(agent, call);
    if (fingerprint !== call.approved.fingerprint) return null;
    const approval = this.context.state.approvals[call.approved.approvalId];
    return {
      effect: 'allow',
      ruleId: approval?.ruleId ?? null,
      source: 'approval',
      policyVersion: call.gate?.policyVersion ?? `m${this.context.state.manifestVersion ?? 0}`,
      reason: `approved by ${approval?.decision?.by?.id ?? 'policy on expiry'} (approval ${call.approved.approvalId})`,
    };
  }

  fingerprint(agent: AgentState, call: ToolCallState): string {
    return fingerprintCall({
      runId: this.context.runId,
      agentId: agent.id,
      callId: call.callId,
      tool: call.tool,
      args: call.args,
    });
  }

  /** For a file write: the file as it is now, for the approver's diff. */
  async diffFor(
    call: ToolCallState,
    workspace: string,
  ): Promise<{ path: string; before: string | null; truncated: boolean } | null> {
    if (call.tool !== 'fs.write' || typeof call.args.path !== 'string') return null;
    const path = call.args.path;
    try {
      const before = await readFile(await resolveInWorkspace(workspace, path), 'utf8');
      return {
        path,
        before: before.slice(0, MAX_DIFF_BEFORE_CHARS),
        truncated: before.length > MAX_DIFF_BEFORE_CHARS,
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { path, before: null, truncated: false };
      // The write will be refused by the tool anyway (outside the workspace, a directory …).
      return { path, before: null, truncated: false };
    }
  }
}
