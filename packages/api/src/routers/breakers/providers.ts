import { providerBreakers } from '@flightdeck/engine';
import { viewerProcedure } from '../../trpc';

/** Each model provider's breaker, shared by every run: closed, open (until when) or half-open. */
export const providers = viewerProcedure.query(({ ctx }) => providerBreakers(ctx.engine));
