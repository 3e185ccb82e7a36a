// npm run audit:verify --workspace @flightdeck/db   (root: npm run audit:verify)
// Verifies the audit chain of DATABASE_URL against the checkpoints in
// FLIGHTDECK_AUDIT_CHECKPOINT. Exit code 0: intact; 1: broken (the first bad
// entry is named); 2: could not verify.
import { readAuditCheckpoints } from '../audit/checkpoint';
import { verifyAuditChain } from '../audit/verify';
import { createDb } from '../client';
import { redactUrl } from '../connection';
import { readDbEnv } from '../env';

async function main(): Promise<number> {
  const { databaseUrl, auditCheckpointFile } = readDbEnv();
  const checkpoints = await readAuditCheckpoints(auditCheckpointFile);
  console.log(`Verifying the audit trail of ${redactUrl(databaseUrl)}`);
  console.log(`against ${checkpoints.length} checkpoint(s) in ${auditCheckpointFile}`);
  const db = createDb({ databaseUrl, maxConnections: 2 });
  try {
    let reported = 0;
    const result = await verifyAuditChain(db.pool, {
      checkpoints,
      onProgress: ({ entries, headSeq }) => {
        if (entries === reported || (entries - reported < 250_000 && entries < headSeq)) return;
        reported = entries;
        console.log(`  … ${entries.toLocaleString('en')} / ${headSeq.toLocaleString('en')}`);
      },
    });
    const seconds = (result.durationMs / 1000).toFixed(2);
    if (result.ok) {
      console.log(
        `OK: ${result.entries.toLocaleString('en')} entries verified in ${seconds} s ` +
          `(head ${result.head.seq}, ${result.checkpointsChecked} checkpoint(s) matched)`,
      );
      return 0;
    }
    const { seq, reason, message } = result.firstBad;
    console.log(
      `BROKEN at entry ${seq} (${reason}): ${message}\n` +
        `${result.entries.toLocaleString('en')} entries before it are intact; checked in ${seconds} s`,
    );
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
