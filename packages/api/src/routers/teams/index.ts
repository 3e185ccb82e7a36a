import { router } from '../../trpc';
import { get } from './get';
import { list } from './list';
import { save } from './save';

export const teamsRouter = router({ list, get, save });
