import { router } from '../../trpc';
import { decide } from './decide';
import { get } from './get';
import { list } from './list';
import { pendingCount } from './pending-count';

export const approvalsRouter = router({ list, get, pendingCount, decide });
