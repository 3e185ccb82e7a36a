'use client';

import { LoaderCircleIcon } from 'lucide-react';
import { type FormEvent, type ReactNode, useState } from 'react';
import { signIn } from '@/client/session';
import { Button } from '@/components/ui/button';
import { FormError } from '@/components/ui/form-error';
import { Field, formText, MIN_PASSWORD } from './auth-card';

export interface NewAccount {
  name: string;
  email: string;
  password: string;
}

/**
 * Name, email (unless fixed by an invitation) and a password typed twice; on
 * success the browser signs in with it and opens the fleet.
 */
export function NewAccountForm({
  fixedEmail,
  submitLabel,
  create,
  children,
}: {
  fixedEmail?: string;
  submitLabel: string;
  /** Creates the account; returns an error to show, or null. */
  create: (account: NewAccount) => Promise<string | null>;
  children?: ReactNode;
}) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const account = {
      name: formText(form, 'name').trim(),
      email: fixedEmail ?? formText(form, 'email').trim(),
      password: formText(form, 'password'),
    };
    if (account.password !== formText(form, 'confirm')) return setError('The two passwords differ');
    if (account.password.length < MIN_PASSWORD)
      return setError(`Use at least ${MIN_PASSWORD} characters`);
    setPending(true);
    setError(null);
    const failure = (await create(account)) ?? (await signIn(account.email, account.password));
    if (failure) {
      setError(failure);
      setPending(false);
      return;
    }
    window.location.assign('/');
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="grid gap-4" data-testid="new-account-form">
      {children}
      <Field id="name" label="Your name" autoComplete="name" required maxLength={100} />
      {fixedEmail ? (
        <Field id="email" label="Email" value={fixedEmail} readOnly />
      ) : (
        <Field id="email" label="Email" type="email" autoComplete="username" required />
      )}
      <Field
        id="password"
        label={`Password (at least ${MIN_PASSWORD} characters)`}
        type="password"
        autoComplete="new-password"
        required
        minLength={MIN_PASSWORD}
      />
      <Field
        id="confirm"
        label="Password again"
        type="password"
        autoComplete="new-password"
        required
      />
      <FormError message={error} />
      <Button type="submit" disabled={pending} data-testid="new-account-submit">
        {pending && <LoaderCircleIcon className="animate-spin" />} {submitLabel}
      </Button>
    </form>
  );
}
