'use client';

import { isTerminalAgentStatus, ModelRef, type RunState } from '@flightdeck/domain';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { GitForkIcon, LoaderCircleIcon } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import { describeError } from '@/client/errors';
import { useTRPC } from '@/client/trpc';
import { Button } from '@/components/ui/button';
import {
  Dialog,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
} from '@/components/ui/dialog';
import { FormError } from '@/components/ui/form-error';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Textarea } from '@/components/ui/textarea';

/** `provider/name` → a model reference, or null when empty; undefined when malformed. */
function parseModel(text: string): ModelRef | null | undefined {
  const trimmed = text.trim();
  if (!trimmed) return null;
  const slash = trimmed.indexOf('/');
  const parsed = ModelRef.safeParse({
    provider: trimmed.slice(0, slash),
    name: trimmed.slice(slash + 1),
  });
  return slash > 0 && parsed.success ? parsed.data : undefined;
}

/**
 * Fork the run from the step shown: a new run starts with the state it had
 * there (nothing before it runs again), optionally with an edited message,
 * system prompt or model for one agent, or another manifest version.
 */
export function ForkRunDialog({
  runId,
  atSeq,
  state,
}: {
  runId: string;
  /** The step to fork from (the state shown). */
  atSeq: number;
  /** The run's state at that step. */
  state: RunState;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const working = state.agentOrder
    .map((id) => state.agents[id]!)
    .filter((a) => !isTerminalAgentStatus(a.status));
  const [agentId, setAgentId] = useState<string>('');
  const [message, setMessage] = useState('');
  const [system, setSystem] = useState('');
  const [model, setModel] = useState('');
  const [manifestVersion, setManifestVersion] = useState('');
  const [invalid, setInvalid] = useState<string | null>(null);
  const fork = useMutation(
    trpc.runs.fork.mutationOptions({
      onSuccess: async ({ runId: forkId }) => {
        setOpen(false);
        await queryClient.invalidateQueries(trpc.runs.pathFilter());
        router.push(`/runs/${forkId}`);
      },
    }),
  );
  const ended =
    state.status === 'completed' || state.status === 'failed' || state.status === 'killed';
  const disabled = atSeq < 2 || ended;
  const error = invalid ?? (fork.error ? describeError(fork.error).message : null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsedModel = parseModel(model);
    if (parsedModel === undefined) {
      setInvalid('Write the model as provider/name, e.g. simulated/gpt-4o.');
      return;
    }
    const version = manifestVersion.trim() ? Number(manifestVersion) : undefined;
    if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
      setInvalid('The manifest version is a positive whole number.');
      return;
    }
    setInvalid(null);
    const target = agentId || state.leadAgentId;
    fork.mutate({
      runId,
      atSeq,
      edits: {
        agentId: target,
        message: message.trim() || null,
        system: system.trim() || null,
        model: parsedModel,
      },
      manifestVersion: version,
    });
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) fork.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button
          variant="outline"
          size="sm"
          disabled={disabled}
          title={
            ended
              ? 'The run had ended at this step: step back before its end to fork'
              : `Start a new run from step ${atSeq}`
          }
          data-testid="fork-open"
        >
          <GitForkIcon /> Fork from step {atSeq}
        </Button>
      </DialogTrigger>
      <DialogContent className="max-w-xl">
        <form onSubmit={submit} className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Fork this run from step {atSeq}</DialogTitle>
            <DialogDescription>
              A new run starts with this run’s state at step {atSeq} and its workspace as it was
              then. Nothing before that step runs again. Tools with side effects will ask for an
              approval in the fork.
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor="fork-agent">Edits apply to</Label>
            <select
              id="fork-agent"
              className="h-9 rounded-md border bg-background px-2 text-sm"
              value={agentId}
              onChange={(e) => setAgentId(e.target.value)}
              data-testid="fork-agent"
            >
              <option value="">
                {state.leadAgentId
                  ? `${state.agents[state.leadAgentId]?.name ?? 'lead'} (lead)`
                  : 'the lead'}
              </option>
              {working
                .filter((a) => a.id !== state.leadAgentId)
                .map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.status})
                  </option>
                ))}
            </select>
          </div>
          <div className="grid gap-2">
            <Label htmlFor="fork-message">
              Message{' '}
              <span className="font-normal text-muted-foreground">(read at its next turn)</span>
            </Label>
            <Textarea
              id="fork-message"
              rows={3}
              maxLength={8000}
              placeholder="e.g. Keep the report under 200 words."
              value={message}
              onChange={(e) => setMessage(e.target.value)}
              data-testid="fork-message"
            />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="fork-system">
              System prompt{' '}
              <span className="font-normal text-muted-foreground">(empty: unchanged)</span>
            </Label>
            <Textarea
              id="fork-system"
              rows={2}
              maxLength={16000}
              value={system}
              onChange={(e) => setSystem(e.target.value)}
              data-testid="fork-system"
            />
          </div>
          <div className="grid grid-cols-2 gap-3">
            <div className="grid gap-2">
              <Label htmlFor="fork-model">
                Model <span className="font-normal text-muted-foreground">(provider/name)</span>
              </Label>
              <Input
                id="fork-model"
                placeholder={
                  state.leadAgentId
                    ? `${state.agents[state.leadAgentId]?.model.provider}/${state.agents[state.leadAgentId]?.model.name}`
                    : 'simulated/gpt-4o'
                }
                value={model}
                onChange={(e) => setModel(e.target.value)}
                data-testid="fork-model"
              />
            </div>
            <div className="grid gap-2">
              <Label htmlFor="fork-manifest">
                Manifest version{' '}
                <span className="font-normal text-muted-foreground">
                  (v{state.manifestVersion})
                </span>
              </Label>
              <Input
                id="fork-manifest"
                inputMode="numeric"
                placeholder={String(state.manifestVersion ?? '')}
                value={manifestVersion}
                onChange={(e) => setManifestVersion(e.target.value.replace(/[^0-9]/g, ''))}
                data-testid="fork-manifest"
              />
            </div>
          </div>
          <FormError message={error} />
          <DialogFooter>
            <Button type="button" variant="outline" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button type="submit" disabled={fork.isPending} data-testid="fork-confirm">
              {fork.isPending ? <LoaderCircleIcon className="animate-spin" /> : <GitForkIcon />}
              Start the fork
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
