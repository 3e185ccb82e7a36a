import { router } from '../../trpc';
import { events } from './events';
import { get } from './get';
import { kill } from './kill';
import { list } from './list';
import { spawn } from './spawn';

export const runsRouter = router({ spawn, kill, list, get, events });
