import type { FlightdeckErrorData } from '@flightdeck/api';
import { TRPCClientError } from '@trpc/client';

/** The message and issues of a failed tRPC call, for showing next to the form that made it. */
export function describeError(error: unknown): {
  message: string;
  issues: FlightdeckErrorData['issues'];
} {
  if (error instanceof TRPCClientError) {
    const data = error.data as Partial<FlightdeckErrorData> | undefined;
    return { message: error.message, issues: Array.isArray(data?.issues) ? data.issues : [] };
  }
  return { message: error instanceof Error ? error.message : 'Something went wrong', issues: [] };
}
