import { router } from '../../trpc';
import { providers } from './providers';
import { reset } from './reset';
import { saveTeamDefaults } from './save-team-defaults';
import { setRunThresholds } from './set-run-thresholds';
import { teamDefaults } from './team-defaults';

export const breakersRouter = router({
  reset,
  setRunThresholds,
  teamDefaults,
  saveTeamDefaults,
  providers,
});
