// What one group commit of the 500 msgs/s window costs SQLite, outside the server:
// the same two statements (an agent message's event row, the session's progress
// row) against a copy of a bench run's database, back to back and with a pause
// between commits. Session 12 used it to tell the commit's own cost from what the
// pause between messages adds (caches gone cold): profiling-notes.md.
//
//   node bench/diagnostics/sqlite-commit-gap.mjs <switchboard.sqlite of a bench run> [variant] [gapMs] [commits]
//
// variant: base (the server's pragmas), exclusive (locking_mode = EXCLUSIVE: no
// -shm locks), narrow (the progress in a table of its own, WITHOUT ROWID).
// The database is copied first; the original is not changed.
import Database from 'better-sqlite3';
import { copyFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [source, variant = 'base', gapArg = '2', commitsArg = '1500'] = process.argv.slice(2);
if (!source) {
  console.error('usage: node bench/diagnostics/sqlite-commit-gap.mjs <switchboard.sqlite> [base|exclusive|narrow] [gapMs] [commits]');
  process.exit(2);
}
const gapMs = Number(gapArg);
const commits = Math.min(100_000, Number(commitsArg));
const file = path.join(os.tmpdir(), `sqlite-commit-gap-${process.pid}.sqlite`);
copyFileSync(source, file);

const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('secure_delete = ON');
db.pragma('wal_autocheckpoint = 0');
if (variant === 'exclusive') db.pragma('locking_mode = EXCLUSIVE');
if (variant === 'narrow') db.exec('create table progress (id text primary key, progress text) without rowid; insert into progress select id, progress from sessions');

const ids = db.prepare('select id from sessions').pluck().all();
const lastOffset = new Map(db.prepare('select session_id, max("offset") o from events group by session_id').all().map((r) => [r.session_id, r.o]));
const insertEvent = db.prepare('insert into events (session_id, "offset", vseq, type, actor, at, data) values (?, ?, ?, ?, ?, ?, ?)');
const updateProgress = db.prepare(variant === 'narrow' ? 'update progress set progress = ? where id = ?' : 'update sessions set progress = ? where id = ?');
const commit = db.transaction((id, offset, progress) => {
  const data = JSON.stringify({ text: `bench message ${offset}`, name: 'Agent', agentId: '005000000000001AAA', schedule: { responseDelayMilliseconds: 0 }, $meta: {} });
  insertEvent.run(id, offset, offset, 'ChatMessage', 'agent', Date.now(), data);
  updateProgress.run(progress, id);
});
// The server checkpoints from a second connection every 250 ms (ADR 0009); so does this, outside the timings.
const checkpointer = variant === 'exclusive' ? db : new Database(file);
let lastCheckpoint = Date.now();

const micros = [];
for (let i = 0; i < commits; i += 1) {
  const id = ids[Math.floor(Math.random() * ids.length)];
  const offset = (lastOffset.get(id) ?? 0) + 1;
  lastOffset.set(id, offset);
  const progress = JSON.stringify({ lastSeenAt: Date.now(), lastOffset: offset, lastVseq: offset, cursor: offset - 1, confirmed: offset - 1, lastAck: offset - 1, issuedRecent: [1, 2, 3, 4], appliedSeqMax: 1, appliedSeqRecent: [1] });
  const started = process.hrtime.bigint();
  commit(id, offset, progress);
  micros.push(Number(process.hrtime.bigint() - started) / 1000);
  if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  if (Date.now() - lastCheckpoint > 250) {
    lastCheckpoint = Date.now();
    checkpointer.pragma('wal_checkpoint(PASSIVE)');
  }
}
if (checkpointer !== db) checkpointer.close();
db.close();
for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });

micros.sort((a, b) => a - b);
const at = (q) => micros[Math.min(micros.length - 1, Math.floor(micros.length * q))].toFixed(1);
const mean = (micros.reduce((a, b) => a + b, 0) / micros.length).toFixed(1);
console.log(`${variant} gap ${gapMs} ms, ${commits} commits: p50 ${at(0.5)} µs, p90 ${at(0.9)} µs, mean ${mean} µs`);
