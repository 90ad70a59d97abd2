// What a platform VSIX must and must not hold. Each rule looks at the list of zip
// entries (and a few of their contents) and returns the offending entries or
// missing pieces; an empty list passes.
import { readZipEntry } from './zip.mjs';

const EXT = 'extension/';

/** The platform folder names koffi's binary packages use, e.g. win32_x64; linux also ships a musl variant. */
function platformFolders(target) {
  const [os, cpu] = target.split('-');
  const folders = [`${os}_${cpu}`];
  if (os === 'linux') folders.push(`musl_${cpu}`);
  return folders;
}

function firstFew(list, n = 12) {
  return list.length <= n ? list.join(', ') : `${list.slice(0, n).join(', ')} … (${list.length} in all)`;
}

function manifestOf(vsix) {
  const raw = readZipEntry(vsix, `${EXT}package.json`);
  if (!raw) throw new Error('extension/package.json is missing');
  return JSON.parse(raw.toString('utf8'));
}

/**
 * The rules for one package. `koffiFiles` are the koffi files require('koffi') reads
 * (from scripts/package.mjs); `koffiVersion` the exact pin.
 * Returns [{ name, check(): string[] }] where check returns the problems found.
 */
export function vsixRules({ vsix, target, entries, koffiFiles, koffiVersion }) {
  const names = entries.map((e) => e.name).filter((n) => !n.endsWith('/'));
  const inExtension = names.filter((n) => n.startsWith(EXT)).map((n) => n.slice(EXT.length));
  const binaryPackage = `node_modules/@koromix/koffi-${target}/`;
  const folders = platformFolders(target);
  const lower = (s) => s.toLowerCase();

  return [
    {
      name: 'holds no tests',
      check: () => inExtension.filter((n) =>
        /(^|\/)(test|tests|__tests__|spec)\//i.test(n) || /\.(test|spec)\.[cm]?[jt]s$/i.test(n) || /(^|\/)\.mocharc/i.test(n)),
    },
    {
      name: 'holds no simulator (clussim, scenarios)',
      check: () => inExtension.filter((n) =>
        /clussim/i.test(n) || /(^|\/)simulator\//i.test(n) || /\.state\.json$/i.test(n) || /(^|\/)scenarios?\//i.test(n)),
    },
    {
      name: 'holds no sources (.ts, C/C++, the project src/ folder)',
      check: () => inExtension.filter((n) =>
        /\.(ts|tsx|mts|cts)$/i.test(n) || /\.(c|cc|cpp|cxx|h|hh|hpp|inc|def)$/i.test(n) || /^src\//.test(n) ||
        /(^|\/)(CMakeLists\.txt|tsconfig[^/]*\.json|binding\.gyp)$/i.test(n)),
    },
    {
      name: 'holds no source maps',
      check: () => {
        const problems = inExtension.filter((n) => /\.map$/i.test(n));
        for (const n of inExtension.filter((x) => /^dist\/.*\.[cm]?js$/.test(x))) {
          const text = readZipEntry(vsix, EXT + n).toString('utf8');
          if (/[#@] sourceMappingURL=/.test(text)) problems.push(`${n} (sourceMappingURL comment)`);
        }
        return problems;
      },
    },
    {
      // src/testProtocol.ts and src/worker/testHooks.ts: a production bundle leaves them out (scripts/build.mjs).
      name: 'holds no test hooks (the test-only requests, crash points, leak report)',
      check: () => {
        const problems = [];
        for (const n of inExtension.filter((x) => /^dist\/.*\.[cm]?js$/.test(x))) {
          const text = readZipEntry(vsix, EXT + n).toString('utf8');
          for (const marker of ['fcb/test/', 'fcb/leakReport', 'FCBACKUP_TEST_HOOKS', 'FCBACKUP_RESTORE_CRASH_AT', 'ClusSimLeakReport']) {
            if (text.includes(marker)) problems.push(`${n} contains ${marker}`);
          }
        }
        return problems;
      },
    },
    {
      name: `holds no other platform's native binary (only ${folders.join(' / ')})`,
      check: () => inExtension.filter((n) => {
        if (/^node_modules\/@koromix\//.test(n) && !n.startsWith(binaryPackage)) return true;
        if (/\.(node|so|dll|dylib|exe)$/i.test(n) || /\.so\.\d/.test(n)) {
          if (!n.startsWith(binaryPackage)) return true;
          return !folders.some((f) => n.startsWith(`${binaryPackage}${f}/`));
        }
        return /(^|\/)(linux|musl|darwin|freebsd|openbsd|android|win32)_[a-z0-9]+\//.test(n) &&
          !folders.some((f) => n.startsWith(`${binaryPackage}${f}/`));
      }),
    },
    {
      name: `holds ${binaryPackage.slice('node_modules/'.length, -1)} with its ${folders[0]}/koffi.node`,
      check: () => [`${binaryPackage}package.json`, `${binaryPackage}index.js`, `${binaryPackage}${folders[0]}/koffi.node`]
        .filter((n) => !inExtension.includes(n)).map((n) => `missing ${n}`),
    },
    {
      name: 'node_modules holds only koffi and the one binary package',
      check: () => inExtension.filter((n) => n.startsWith('node_modules/') &&
        !n.startsWith('node_modules/koffi/') && !n.startsWith(binaryPackage)),
    },
    {
      name: 'koffi loader files are all present',
      check: () => koffiFiles.map((f) => `node_modules/koffi/${f}`).filter((n) => !inExtension.includes(n)).map((n) => `missing ${n}`),
    },
    {
      name: `koffi pieces are all version ${koffiVersion}`,
      check: () => {
        const problems = [];
        const koffi = readZipEntry(vsix, `${EXT}node_modules/koffi/package.json`);
        const binary = readZipEntry(vsix, `${EXT}${binaryPackage}package.json`);
        const koffiV = koffi ? JSON.parse(koffi.toString('utf8')).version : 'missing';
        const binaryV = binary ? JSON.parse(binary.toString('utf8')).version : 'missing';
        const pinned = manifestOf(vsix).dependencies?.koffi;
        if (koffiV !== koffiVersion) problems.push(`node_modules/koffi is ${koffiV}`);
        if (binaryV !== koffiVersion) problems.push(`${binaryPackage} is ${binaryV}`);
        if (pinned !== koffiVersion) problems.push(`package.json pins koffi ${JSON.stringify(pinned)}`);
        return problems;
      },
    },
    {
      name: 'holds the bundles (main, engine process, CLI)',
      check: () => {
        const main = String(manifestOf(vsix).main ?? '').replace(/^\.\//, '');
        const wanted = [main || 'dist/extension.js', 'dist/worker.js', 'dist/cli.js'];
        return wanted.filter((n) => !inExtension.includes(n)).map((n) => `missing ${n}`);
      },
    },
    {
      name: 'holds no development files',
      check: () => inExtension.filter((n) =>
        /^(out|bench|scripts|\.cache|\.ci|\.github|\.vscode|\.vscode-test|artifacts|build|coverage)\//.test(n) ||
        /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|eslint\.config\.[cm]?js|\.eslintrc[^/]*|\.gitignore|\.vscodeignore|\.npmrc)$/.test(n) ||
        /\.vsix$/i.test(n) || /\.log$/i.test(n)),
    },
    {
      name: 'README, LICENSE and CHANGELOG are included',
      check: () => ['readme.md', 'changelog.md'].filter((n) => !inExtension.some((x) => lower(x) === n)).map((n) => `missing ${n}`)
        .concat(inExtension.some((x) => /^licen[cs]e(\.(txt|md))?$/i.test(x)) ? [] : ['missing LICENSE']),
    },
    {
      name: 'manifest has what the Marketplace needs',
      check: () => {
        const m = manifestOf(vsix);
        const problems = [];
        for (const key of ['name', 'displayName', 'description', 'version', 'publisher', 'license', 'icon', 'main']) {
          if (typeof m[key] !== 'string' || m[key].trim() === '') problems.push(`${key} missing`);
        }
        const repo = typeof m.repository === 'string' ? m.repository : m.repository?.url;
        if (typeof repo !== 'string' || repo.trim() === '') problems.push('repository missing');
        if (!Array.isArray(m.categories) || m.categories.length === 0) problems.push('categories missing');
        if (!Array.isArray(m.keywords) || m.keywords.length === 0) problems.push('keywords missing');
        if (Array.isArray(m.keywords) && m.keywords.length > 30) problems.push('more than 30 keywords');
        if (typeof m.engines?.vscode !== 'string') problems.push('engines.vscode missing');
        for (const key of ['scripts', 'devDependencies']) if (m[key] !== undefined) problems.push(`development key "${key}" shipped`);
        return problems;
      },
    },
    {
      name: "manifest's %key% strings all resolve in package.nls.json",
      check: () => {
        const text = readZipEntry(vsix, `${EXT}package.json`).toString('utf8');
        const keys = [...new Set([...text.matchAll(/"%([^%"\s]+)%"/g)].map((m) => m[1]))];
        if (keys.length === 0) return [];
        const nls = readZipEntry(vsix, `${EXT}package.nls.json`);
        if (!nls) return [`package.nls.json missing while the manifest uses ${keys.length} %key% strings`];
        const strings = JSON.parse(nls.toString('utf8'));
        return keys.filter((k) => typeof strings[k] !== 'string' && typeof strings[k]?.message !== 'string').map((k) => `%${k}% not defined`);
      },
    },
    {
      name: 'walkthrough media files are in the package',
      check: () => (manifestOf(vsix).contributes?.walkthroughs ?? [])
        .flatMap((w) => w.steps ?? []).map((step) => step.media?.markdown ?? step.media?.image ?? step.media?.svg)
        .filter((media) => typeof media === 'string' && !inExtension.includes(media.replace(/^\.\//, '')))
        .map((media) => `${media} missing`),
    },
    {
      name: 'icon file is in the package',
      check: () => {
        const icon = String(manifestOf(vsix).icon ?? '').replace(/^\.\//, '');
        if (!icon) return ['manifest has no icon'];
        if (!inExtension.includes(icon)) return [`${icon} missing`];
        const data = readZipEntry(vsix, EXT + icon);
        if (data.length < 24) return [`${icon} is only ${data.length} bytes, not an image`];
        const png = data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
        if (!png) return [`${icon} is not a PNG (the Marketplace needs a PNG icon)`];
        const width = data.readUInt32BE(16);
        const height = data.readUInt32BE(20);
        return width >= 128 && height >= 128 ? [] : [`${icon} is ${width}x${height}; the Marketplace wants at least 128x128`];
      },
    },
    {
      name: `vsixmanifest targets ${target}`,
      check: () => {
        const xml = readZipEntry(vsix, 'extension.vsixmanifest')?.toString('utf8') ?? '';
        const m = /TargetPlatform="([^"]*)"/.exec(xml);
        return m?.[1] === target ? [] : [`TargetPlatform is ${m ? m[1] : 'absent'}`];
      },
    },
  ].map((rule) => ({ name: rule.name, check: () => rule.check().map(String), summarize: firstFew }));
}
