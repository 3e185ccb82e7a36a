import { router } from '../../trpc';
import { resolve } from './resolve';

export const toolCallsRouter = router({ resolve });
