'use client';

import { LoaderCircleIcon } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { nextPath, signIn } from '@/client/session';
import { Button } from '@/components/ui/button';
import { FormError } from '@/components/ui/form-error';
import { AuthCard, Field, formText } from './auth-card';

export function SignInForm() {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const failure = await signIn(formText(form, 'email'), formText(form, 'password'));
    if (failure) {
      setError(failure);
      setPending(false);
      return;
    }
    window.location.assign(nextPath());
  };

  return (
    <AuthCard
      title="Sign in"
      description="Accounts are created by invitation. The first admin uses the setup link the server prints at its first start."
    >
      <form onSubmit={(e) => void submit(e)} className="grid gap-4" data-testid="sign-in-form">
        <Field id="email" label="Email" type="email" autoComplete="username" required />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
        />
        <FormError message={error} />
        <Button type="submit" disabled={pending} data-testid="sign-in-submit">
          {pending && <LoaderCircleIcon className="animate-spin" />} Sign in
        </Button>
      </form>
    </AuthCard>
  );
}
