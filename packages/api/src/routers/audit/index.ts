import { router } from '../../trpc';
import { list } from './list';
import { verify } from './verify';

export const auditRouter = router({ list, verify });
