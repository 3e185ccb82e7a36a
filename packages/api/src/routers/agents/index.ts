import { router } from '../../trpc';
import { kill } from './kill';
import { pause } from './pause';
import { resume } from './resume';
import { steer } from './steer';

export const agentsRouter = router({ pause, resume, kill, steer });
