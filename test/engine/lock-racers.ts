/**
 * The racing processes of the lock race test (backup-lock.test.ts): separate processes
 * (lock-race-child.ts) started once and told, trial after trial, to take the lock in a
 * folder at the same moment. Each answers with a line; a racer that ends early fails the
 * waiting trial with its stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

export type RaceOutcome = 'held' | 'busy';

class Racer {
  private readonly lines: string[] = [];
  private waiting: { resolve(line: string): void; reject(err: Error): void } | undefined;
  private ended: Error | undefined;
  private stderr = '';

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (this.waiting) {
        const { resolve } = this.waiting;
        this.waiting = undefined;
        resolve(line);
      } else this.lines.push(line);
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('close', (code, signal) => {
      this.ended = new Error(`racer ${child.pid} ended (exit code ${code}${signal ? `, ${signal}` : ''}): ${this.stderr.trim() || 'nothing on stderr'}`);
      this.waiting?.reject(this.ended);
      this.waiting = undefined;
    });
  }

  /** Its next line on stdout. */
  nextLine(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.reject(this.ended);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Ends its stdin and waits for it to exit; its exit code. */
  async finish(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    const closed = new Promise<number | null>((resolve) => this.child.once('close', (code) => resolve(code)));
    this.child.stdin!.end();
    return closed;
  }

  get errors(): string {
    return this.stderr;
  }
}

export class LockRacers {
  private constructor(private readonly racers: Racer[]) {}

  /** The racers' process ids, in racer order. */
  get pids(): number[] {
    return this.racers.map((r) => r.child.pid!);
  }

  /**
   * Starts `count` racers (this process's node and execArgv: the Wine stage's preload goes
   * along) and waits until each has loaded the lock and said it is ready.
   */
  static async start(count: number, warmUpRoot: string): Promise<LockRacers> {
    const script = path.join(__dirname, 'lock-race-child.js');
    const racers = Array.from({ length: count }, (_, i) => new Racer(spawn(process.execPath,
      [...process.execArgv, script, path.join(warmUpRoot, `warm-up-${i}`)], { stdio: ['pipe', 'pipe', 'pipe'] })));
    const pool = new LockRacers(racers);
    try {
      const ready = await Promise.all(racers.map((r) => r.nextLine()));
      const wrong = ready.filter((line) => !/^ready \d+$/.test(line));
      if (wrong.length > 0) throw new Error(`racers did not start: ${wrong.join('; ')}`);
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  /** Every racer tries once to take the lock in `folder`; their answers in racer order. */
  async trial(trial: number, folder: string): Promise<RaceOutcome[]> {
    for (const r of this.racers) r.send(`${trial} ${folder}`);
    const lines = await Promise.all(this.racers.map((r) => r.nextLine()));
    return lines.map((line, i) => {
      const match = /^(\d+) (held|busy)$/.exec(line);
      if (!match || Number(match[1]) !== trial) throw new Error(`racer ${i} answered ${JSON.stringify(line)} in trial ${trial}: ${this.racers[i]!.errors}`);
      return match[2] as RaceOutcome;
    });
  }

  /** Ends every racer; the stderr of any that did not exit with 0. */
  async stop(): Promise<string[]> {
    const codes = await Promise.all(this.racers.map((r) => r.finish()));
    return this.racers.filter((_, i) => codes[i] !== 0).map((r) => `racer ${r.child.pid} (exit code ${r.child.exitCode}): ${r.errors.trim()}`);
  }
}
