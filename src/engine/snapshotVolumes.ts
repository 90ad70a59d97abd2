/**
 * The volumes a backup snapshots, found the way Microsoft documents for a path: its mount
 * point from GetVolumePathNameW (the deepest mounted folder above it, else its drive root),
 * then the volume GUID path of that mount point from GetVolumeNameForVolumeMountPointW.
 * The drive letter in the path's text is not the volume when a folder on the way is a
 * mounted folder (docs/windows.md, "The volume of a file set"). AddToSnapshotSet takes the
 * volume GUID path; a file's place in the shadow copy is its path below the mount point.
 */
import { getVolumeNameForVolumeMountPoint, getVolumePathName } from '../native/kernel32';
import type { Logger } from './context';

/** Where a path's volume is mounted and what VSS calls that volume. */
export interface PathVolume {
  /** The mount point with its trailing separator: `C:\`, `C:\ClusterData\`, `/`. */
  mountPoint: string;
  /** The volume GUID path `\\?\Volume{GUID}\`: the name added to the snapshot set. */
  volumeName: string;
}

/** The volume of each distinct path (a map keyed by the path as given), each looked up once. */
export function volumesOfPaths(paths: readonly string[], logger: Logger): Map<string, PathVolume> {
  const byPath = new Map<string, PathVolume>();
  for (const p of paths) {
    if (byPath.has(p)) continue;
    const mountPoint = getVolumePathName(p);
    const volumeName = getVolumeNameForVolumeMountPoint(mountPoint);
    logger.log('info', `${p} is on volume ${volumeName} (mounted at ${mountPoint}).`);
    byPath.set(p, { mountPoint, volumeName });
  }
  return byPath;
}

/** Volume GUID paths compare without regard to case (they name the same volume). */
export function volumeNameKey(volumeName: string): string {
  return volumeName.toUpperCase();
}

/** The distinct volume GUID paths among `volumes`, in first-seen order. */
export function distinctVolumeNames(volumes: Iterable<PathVolume>): string[] {
  const seen = new Map<string, string>();
  for (const v of volumes) if (!seen.has(volumeNameKey(v.volumeName))) seen.set(volumeNameKey(v.volumeName), v.volumeName);
  return [...seen.values()];
}
