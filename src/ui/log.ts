/**
 * The "Failover Cluster Backup" log channel. Every engine log notification and
 * every command's outcome goes here; the newest lines are also kept in a ring
 * buffer that the integration tests read back through the test API.
 */
import vscode = require('vscode');
import type { LogLevel } from '../protocol';
import { displayLines } from '../text/displayText';
import { RingBuffer } from './ringBuffer';

export const LOG_CHANNEL_NAME = 'Failover Cluster Backup';

export class ExtensionLog implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private readonly recent = new RingBuffer<string>(2000);

  constructor() {
    this.channel = vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true });
  }

  log(level: LogLevel, text: string): void {
    // Engine messages quote names from outside (files, nodes, sets): shown escaped.
    const message = displayLines(text);
    this.recent.push(`[${level}] ${message}`);
    switch (level) {
      case 'trace': this.channel.trace(message); break;
      case 'debug': this.channel.debug(message); break;
      case 'info': this.channel.info(message); break;
      case 'warn': this.channel.warn(message); break;
      case 'error': this.channel.error(message); break;
    }
  }

  trace(message: string): void { this.log('trace', message); }
  debug(message: string): void { this.log('debug', message); }
  info(message: string): void { this.log('info', message); }
  warn(message: string): void { this.log('warn', message); }
  error(message: string): void { this.log('error', message); }

  /** The level the engine should send: what the channel shows, but at least info (the detection steps). */
  engineLogLevel(): LogLevel {
    switch (this.channel.logLevel) {
      case vscode.LogLevel.Trace: return 'trace';
      case vscode.LogLevel.Debug: return 'debug';
      default: return 'info';
    }
  }

  /** The newest lines, "[level] message", oldest first. */
  lines(): string[] {
    return this.recent.toArray();
  }

  /** A mark for linesSince: how many lines were ever written. */
  lineCount(): number {
    return this.recent.total;
  }

  /** The lines written after the mark `count` (the buffer keeps the newest 2000). */
  linesSince(count: number): string[] {
    return this.recent.since(count);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
