import { router } from '../../trpc';
import { run } from './run';
import { setGlobal } from './set-global';
import { setRun } from './set-run';
import { setTeam } from './set-team';
import { team } from './team';

export const budgetsRouter = router({ run, setRun, team, setTeam, setGlobal });
