import { router } from '../../trpc';
import { events } from './events';
import { get } from './get';
import { kill } from './kill';
import { list } from './list';
import { pause } from './pause';
import { resume } from './resume';
import { spawn } from './spawn';
import { state } from './state';
import { workspaceFile } from './workspace-file';
import { workspaceFiles } from './workspace-files';
import { workspaceFileAt } from './workspace-file-at';
import { workspaceFilesAt } from './workspace-files-at';
import { rollbackWorkspaceProcedure } from './rollback-workspace';
import { fork } from './fork';
import { forks } from './forks';
import { exportRunProcedure } from './export';
import { importRunProcedure } from './import';
import { rerun, rerunReport } from './rerun';

export const runsRouter = router({
  spawn,
  kill,
  pause,
  resume,
  list,
  get,
  events,
  state,
  workspaceFiles,
  workspaceFile,
  workspaceFilesAt,
  workspaceFileAt,
  rollbackWorkspace: rollbackWorkspaceProcedure,
  fork,
  forks,
  export: exportRunProcedure,
  import: importRunProcedure,
  rerun,
  rerunReport,
});
