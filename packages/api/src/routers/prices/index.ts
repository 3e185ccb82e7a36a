import { router } from '../../trpc';
import { current } from './current';
import { history } from './history';
import { save } from './save';

export const pricesRouter = router({ current, history, save });
