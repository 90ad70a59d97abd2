/**
 * manifest.json of a backup set: its types, its JSON Schema, its seal, and the one
 * function that turns the file's text into a checked manifest or a list of problems.
 *
 * The shape is checked by a JSON Schema validator (ajv, compiled once) rather than by
 * hand; what a schema cannot say (path safety, duplicates, the seal) is checked after
 * it. Before anything walks the parsed value, the text's nesting depth is measured
 * without recursion: a hostile manifest nested thousands deep is one clear problem,
 * not a stack overflow in whatever walks it next (JSON.stringify for the seal does).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { STAGING_SUFFIX, sha256OfBytes } from './durableFile';
import type { BackupFileEntry, BackupKind } from './model';
import { isAbsolutePath, unsafeRelativePathReason } from './paths';
import { MAX_REASON_LENGTH, REASON_PATTERN } from '../wire/backupReason';

export const BACKUP_SET_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const BACKUP_COMPONENTS_FILE = 'backup-components.xml';
export const WRITER_METADATA_FILE = 'writer-metadata.xml';
export const FILES_FOLDER = 'files';
/** A manifest larger than this is not a manifest we wrote (it bounds what a reader loads into memory). */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/**
 * Deepest nesting of arrays and objects accepted. The manifests this tool writes are
 * 4 levels deep (manifest → snapshot → volumes → volume); the margin leaves room for
 * fields a later version may add.
 */
export const MAX_MANIFEST_DEPTH = 32;

export type ComponentTypeName = 'database' | 'filegroup';

export interface ManifestWriter {
  /** The writer class id: 41e12264-35d8-479b-8e5c-9b23d1dad37e for the Cluster Database writer. */
  id: string;
  instanceId: string;
  name: string;
  /** VSS_RESTOREMETHOD_ENUM the writer reported at backup time, and the service it names. */
  restoreMethod: number | null;
  restoreService: string | null;
  /** GetBackupSchema mask (VSS_BS_AUTHORITATIVE_RESTORE = 0x4000). */
  backupSchema: number | null;
}

export interface ManifestComponent {
  logicalPath: string;
  name: string;
  type: ComponentTypeName;
}

export interface ManifestFile extends BackupFileEntry {
  /** Index into `components` of the component the file belongs to; null for an offline hive copy. */
  component: number | null;
}

export type DocumentRole = 'backupComponents' | 'writerMetadata';

export interface ManifestDocument {
  role: DocumentRole;
  path: string;
  size: number;
  sha256: string;
}

export interface ManifestSnapshot {
  setId: string;
  volumes: { volume: string; snapshotId: string; deviceObject: string }[];
}

/** manifest.json, schema version 1. */
export interface BackupManifest {
  schemaVersion: typeof BACKUP_SET_SCHEMA_VERSION;
  toolVersion: string;
  kind: BackupKind;
  /** UTC ISO-8601: when the snapshot was taken (or, for an offline hive, when the copy started). */
  time: string;
  /** The cluster's name and "major.minor.build" version; name null when it could not be determined (offline hive). */
  cluster: { name: string | null; version: string | null };
  /** The node the backup was taken on. */
  node: string;
  /** The cluster's node names at backup time (absent in sets that did not record them). */
  nodes?: string[];
  /** Why the backup was taken (`--reason`; src/wire/backupReason.ts); absent when none was given and in older sets. */
  reason?: string;
  writer: ManifestWriter | null;
  components: ManifestComponent[];
  snapshot: ManifestSnapshot | null;
  documents: ManifestDocument[];
  files: ManifestFile[];
  /** SHA-256 of the manifest's JSON without this field: detects a manifest edited after the backup. */
  integrity: { algorithm: 'sha256'; digest: string };
}

export type UnsealedManifest = Omit<BackupManifest, 'integrity'>;

function sealDigest(unsealed: unknown): string {
  return sha256OfBytes(JSON.stringify(unsealed));
}

export function sealManifest(unsealed: UnsealedManifest): BackupManifest {
  return { ...unsealed, integrity: { algorithm: 'sha256', digest: sealDigest(unsealed) } };
}

// ---------------------------------------------------------------------------------
// the schema

const SHA256_HEX = '^[0-9a-f]{64}$';
const GUID_TEXT = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const ISO_UTC = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$';
const count = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const nonEmptyText = { type: 'string', minLength: 1 } as const;
const nullable = (schema: object): object => ({ anyOf: [{ type: 'null' }, schema] });

const entrySizeHash = {
  path: { type: 'string' },
  size: count,
  sha256: { type: 'string', pattern: SHA256_HEX },
};

/**
 * JSON Schema (draft-07, as ajv reads it by default) of schema version 1. Fields it
 * does not name are allowed (a later version may add some) and covered by the seal.
 */
export const MANIFEST_JSON_SCHEMA = {
  type: 'object',
  required: ['schemaVersion', 'toolVersion', 'kind', 'time', 'cluster', 'node', 'writer', 'components', 'snapshot', 'documents', 'files', 'integrity'],
  properties: {
    schemaVersion: { const: BACKUP_SET_SCHEMA_VERSION },
    toolVersion: { type: 'string' },
    kind: { enum: ['vss-cluster-writer', 'offline-hive'] },
    time: { type: 'string', pattern: ISO_UTC },
    cluster: {
      type: 'object',
      required: ['name', 'version'],
      properties: { name: nullable(nonEmptyText), version: nullable({ type: 'string' }) },
    },
    node: nonEmptyText,
    nodes: { type: 'array', items: nonEmptyText },
    reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, pattern: REASON_PATTERN },
    writer: nullable({
      type: 'object',
      required: ['id', 'instanceId', 'name', 'restoreMethod', 'restoreService', 'backupSchema'],
      properties: {
        id: { type: 'string', pattern: GUID_TEXT },
        instanceId: { type: 'string', pattern: GUID_TEXT },
        name: { type: 'string' },
        restoreMethod: nullable(count),
        restoreService: nullable({ type: 'string' }),
        backupSchema: nullable(count),
      },
    }),
    components: {
      type: 'array',
      items: {
        type: 'object',
        required: ['logicalPath', 'name', 'type'],
        properties: { logicalPath: { type: 'string' }, name: nonEmptyText, type: { enum: ['database', 'filegroup'] } },
      },
    },
    snapshot: nullable({
      type: 'object',
      required: ['setId', 'volumes'],
      properties: {
        setId: { type: 'string' },
        volumes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['volume', 'snapshotId', 'deviceObject'],
            properties: { volume: { type: 'string' }, snapshotId: { type: 'string' }, deviceObject: { type: 'string' } },
          },
        },
      },
    }),
    documents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['role', 'path', 'size', 'sha256'],
        properties: { ...entrySizeHash, role: { enum: ['backupComponents', 'writerMetadata'] } },
      },
    },
    files: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['originalPath', 'path', 'size', 'sha256', 'component'],
        properties: { ...entrySizeHash, originalPath: nonEmptyText, component: nullable(count) },
      },
    },
    integrity: {
      type: 'object',
      required: ['algorithm', 'digest'],
      properties: { algorithm: { const: 'sha256' }, digest: { type: 'string', pattern: SHA256_HEX } },
    },
  },
  // A VSS set names its writer and at least one component; an offline hive copy has neither.
  if: { properties: { kind: { const: 'vss-cluster-writer' } } },
  then: { properties: { writer: { type: 'object' }, components: { type: 'array', minItems: 1 } } },
  else: { properties: { writer: { type: 'null' } } },
} as const;

let compiled: ValidateFunction<BackupManifest> | undefined;
function schemaValidator(): ValidateFunction<BackupManifest> {
  compiled ??= new Ajv({ allErrors: true, strict: true, verbose: true }).compile<BackupManifest>(MANIFEST_JSON_SCHEMA);
  return compiled;
}

/** `/files/2/sha256` → `files[2].sha256`. */
function fieldName(instancePath: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce((text, p) => (/^\d+$/.test(p) ? `${text}[${p}]` : text ? `${text}.${p}` : p), '');
}

function describeSchemaError(e: ErrorObject): string {
  const field = fieldName(e.instancePath);
  const subject = field === '' ? 'the manifest' : field;
  if (/^nodes(\[\d+\])?$/.test(field)) return 'nodes must be a list of non-empty node names';
  if (e.keyword === 'required') return `${field === '' ? '' : `${field}.`}${String(e.params.missingProperty)} is missing`;
  if (e.keyword === 'pattern' && /sha256|digest/.test(field)) return `${subject} is not a SHA-256 hex digest`;
  if (e.keyword === 'pattern' && field === 'time') return 'time is not a UTC ISO-8601 time';
  if (e.keyword === 'pattern' && /(^|\.)(id|instanceId)$/.test(field)) return `${subject} is not a GUID`;
  if (e.keyword === 'pattern' && field === 'reason') return 'reason contains control characters (a reason is one line of text)';
  if (e.keyword === 'enum') return `${subject} ${JSON.stringify(e.data)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  return `${subject} ${e.message ?? 'is not valid'}`;
}

/** The schema's problems, one line each; the if/then/else and anyOf wrappers add nothing the inner errors do not say. */
function schemaProblems(errors: ErrorObject[]): string[] {
  const lines = errors.filter((e) => e.keyword !== 'if').map(describeSchemaError);
  return [...new Set(lines)];
}

// ---------------------------------------------------------------------------------
// reading

/**
 * The deepest nesting of `[`/`{` in JSON text, counted without recursion, stopping as
 * soon as `limit` is passed. Brackets inside strings do not count.
 */
export function jsonNestingDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/** Problems with the path and name of one file the manifest lists. */
function fileEntryProblems(files: ManifestFile[], documents: ManifestDocument[], componentCount: number): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const checkPath = (where: string, rel: string): boolean => {
    const reason = unsafeRelativePathReason(rel);
    if (reason) {
      problems.push(`${where}.path ${JSON.stringify(rel)} is unsafe: ${reason}`);
      return false;
    }
    const key = rel.normalize('NFC').toLowerCase();
    if (seen.has(key)) {
      problems.push(`${where}.path ${JSON.stringify(rel)} is listed twice`);
      return false;
    }
    seen.add(key);
    return true;
  };
  const roles = new Set<string>();
  documents.forEach((d, i) => {
    const where = `documents[${i}]`;
    const expected = d.role === 'backupComponents' ? BACKUP_COMPONENTS_FILE : WRITER_METADATA_FILE;
    if (roles.has(d.role)) problems.push(`${where}.role ${d.role} is listed twice`);
    roles.add(d.role);
    if (checkPath(where, d.path) && d.path !== expected) problems.push(`${where}.path must be ${expected}`);
  });
  files.forEach((f, i) => {
    const where = `files[${i}]`;
    if (checkPath(where, f.path) && !f.path.startsWith(`${FILES_FOLDER}/`)) problems.push(`${where}.path ${JSON.stringify(f.path)} is outside ${FILES_FOLDER}/`);
    if (!isAbsolutePath(f.originalPath)) problems.push(`${where}.originalPath is not an absolute path`);
    if (f.originalPath.toLowerCase().endsWith(STAGING_SUFFIX) || f.path.toLowerCase().endsWith(STAGING_SUFFIX)) {
      problems.push(`${where} is named like this tool's staging files (*${STAGING_SUFFIX}), which a restore writes and removes itself`);
    }
    if (f.component !== null && f.component >= componentCount) problems.push(`${where}.component does not name a listed component`);
  });
  return problems;
}

/**
 * Checks a parsed manifest: schema first, then paths, names and the seal. Problems are
 * lines like `manifest.json: files[2].sha256 is not a SHA-256 hex digest`. The value
 * must come from parseManifest (or be otherwise known to be shallow).
 */
export function checkManifest(value: unknown): { manifest: BackupManifest | null; problems: string[] } {
  const problems: string[] = [];
  const prefix = (lines: string[]): string[] => lines.map((l) => `${MANIFEST_FILE}: ${l}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { manifest: null, problems: prefix(['is not a JSON object']) };
  }
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version !== BACKUP_SET_SCHEMA_VERSION) {
    return {
      manifest: null,
      problems: prefix([`schemaVersion is ${JSON.stringify(version) ?? 'missing'}; this version of the tool reads schema ${BACKUP_SET_SCHEMA_VERSION}`]),
    };
  }
  const validate = schemaValidator();
  if (!validate(value)) return { manifest: null, problems: prefix(schemaProblems(validate.errors ?? [])) };
  const manifest = value;
  if (Number.isNaN(Date.parse(manifest.time))) problems.push('time is not a UTC ISO-8601 time');
  problems.push(...fileEntryProblems(manifest.files, manifest.documents, manifest.components.length));
  if (manifest.kind === 'vss-cluster-writer') {
    const roles = new Set(manifest.documents.map((d) => d.role));
    if (!roles.has('backupComponents')) problems.push(`${BACKUP_COMPONENTS_FILE} is not listed in documents`);
    if (!roles.has('writerMetadata')) problems.push(`${WRITER_METADATA_FILE} is not listed in documents`);
  }
  if (problems.length === 0) {
    const { integrity, ...unsealed } = manifest;
    if (sealDigest(unsealed) !== integrity.digest) problems.push('integrity seal does not match: the manifest was edited after the backup');
  }
  return { manifest: problems.length === 0 ? manifest : null, problems: prefix(problems) };
}

export interface ParsedManifest {
  manifest: BackupManifest | null;
  /** The parsed object (checked or not) when the text was a shallow enough JSON object, for a summary of a bad set. */
  raw: Record<string, unknown> | null;
  problems: string[];
}

/** manifest.json's text → the checked manifest, or the problems (never throws for bad content). */
export function parseManifest(text: string): ParsedManifest {
  const depth = jsonNestingDepth(text, MAX_MANIFEST_DEPTH);
  if (depth > MAX_MANIFEST_DEPTH) {
    return {
      manifest: null, raw: null,
      problems: [`${MANIFEST_FILE}: nested more than ${MAX_MANIFEST_DEPTH} levels deep; this tool writes manifests 4 levels deep, so this one was not written by it`],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { manifest: null, raw: null, problems: [`${MANIFEST_FILE}: not valid JSON (${(err as Error).message})`] };
  }
  const { manifest, problems } = checkManifest(parsed);
  const raw = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  return { manifest, raw, problems };
}
