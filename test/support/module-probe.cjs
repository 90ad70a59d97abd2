// Loaded with `node --require` before a program: records every module the program asks
// for, and at exit writes to $FCBACKUP_MODULE_PROBE the requests for koffi and the
// native addons (.node files) mapped into the process (Linux: /proc/self/maps).
const fs = require('node:fs');
const Module = require('node:module');

const requested = new Set();
const load = Module._load;
Module._load = function (request, ...rest) {
  requested.add(request);
  return load.call(this, request, ...rest);
};
process.on('exit', () => {
  fs.writeFileSync(process.env.FCBACKUP_MODULE_PROBE, JSON.stringify({
    koffi: [...requested].filter((r) => /(^|[\\/])koffi([\\/]|$)/.test(r)),
    nativeAddons: [...new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
      .map((line) => line.split(/\s+/).slice(5).join(' ')).filter((f) => f.endsWith('.node')))],
  }));
});
