'use strict';
// Preloaded (`node.exe -r`) into Windows Node.js running under Wine by test/wine/run.mjs.
//
// 1. Standard streams. Windows node.exe under Wine fails with "open EBADF at new Socket"
//    the first time it touches process.stdout/stderr/stdin when they are Linux pipes, so
//    they are replaced, before anything uses them, by plain streams that write with
//    fs.writeSync on the inherited descriptors (and an empty stdin).
// 2. koffi. The project's node_modules holds koffi's Linux binary only; `require('koffi')`
//    is resolved to the win32-x64 copy named by FCBACKUP_WINE_KOFFI instead.
// 3. Temporary folder. os.tmpdir() is pointed at FCBACKUP_WINE_TMPDIR, a fresh folder the
//    runner creates for each run and removes afterwards.
const fs = require('node:fs');
const Module = require('node:module');
const { Readable, Writable } = require('node:stream');

if (process.platform !== 'win32') {
  throw new Error('test/wine/preload.cjs is meant for Windows node.exe under Wine only.');
}

function writeAll(fd, chunk) {
  const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

function descriptorStream(fd) {
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      try {
        writeAll(fd, chunk);
        callback();
      } catch (err) {
        callback(err);
      }
    },
  });
  // What reporters and console look for on a real stdio stream.
  stream.fd = fd;
  stream.isTTY = false;
  return stream;
}

function replaceProcessStream(name, stream) {
  Object.defineProperty(process, name, { configurable: true, enumerable: true, get: () => stream });
}

// A worker thread (the engine's node query threads) has its own stdio, piped to the main
// thread by Node: replacing it there breaks that pipe, and it never touches the descriptors.
if (require('node:worker_threads').isMainThread) {
  replaceProcessStream('stdout', descriptorStream(1));
  replaceProcessStream('stderr', descriptorStream(2));
  replaceProcessStream('stdin', Readable.from([]));
}

const koffiDir = process.env.FCBACKUP_WINE_KOFFI;
if (!koffiDir || !fs.existsSync(koffiDir)) {
  throw new Error(`FCBACKUP_WINE_KOFFI must name the win32-x64 koffi package folder (got ${koffiDir || 'nothing'}).`);
}
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveKoffiForWindows(request, ...rest) {
  if (request === 'koffi') return resolveFilename.call(this, koffiDir, ...rest);
  if (request.startsWith('koffi/')) return resolveFilename.call(this, koffiDir + request.slice('koffi'.length), ...rest);
  return resolveFilename.call(this, request, ...rest);
};

const tmpDir = process.env.FCBACKUP_WINE_TMPDIR;
if (tmpDir) {
  fs.mkdirSync(tmpDir, { recursive: true });
  process.env.TEMP = tmpDir;
  process.env.TMP = tmpDir;
}
