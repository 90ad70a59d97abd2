/**
 * Which of a writer's components a backup adds (AddComponent), as Microsoft's VSS sample
 * requester (vshadow) selects them: every selectable component and every top-level
 * non-selectable one, but never a component one of whose ancestors is already included —
 * an included component brings its subcomponents with it. Sources: "Working with
 * Selectability and Logical Paths" and "Selecting Components for Backup"
 * (docs/windows.md, "VSS backup sequence").
 */

export interface SelectableComponent {
  logicalPath: string;
  componentName: string;
  selectable: boolean;
}

/** The component's full path: its logical path, then its name. */
function fullPath(c: SelectableComponent): string {
  return (c.logicalPath ? `${c.logicalPath}\\${c.componentName}` : c.componentName).toUpperCase();
}

/** Whether `ancestor` is above `c` in the writer's component tree (by logical path; case does not count). */
function isAncestor(ancestor: SelectableComponent, c: SelectableComponent): boolean {
  const above = fullPath(ancestor);
  const path = c.logicalPath.toUpperCase();
  return path === above || path.startsWith(`${above}\\`);
}

/** The components to add, in the writer's order. */
export function selectComponents<T extends SelectableComponent>(components: readonly T[]): T[] {
  const topLevel = (c: T): boolean => !components.some((other) => other !== c && isAncestor(other, c));
  const candidates = components.filter((c) => c.selectable || topLevel(c));
  return candidates.filter((c) => !candidates.some((other) => other !== c && isAncestor(other, c)));
}
