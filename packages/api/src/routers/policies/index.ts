import { router } from '../../trpc';
import { agentPolicy } from './agent-policy';
import { saveTeamDefaults } from './save-team-defaults';
import { teamDefaults } from './team-defaults';

export const policiesRouter = router({ agentPolicy, teamDefaults, saveTeamDefaults });
