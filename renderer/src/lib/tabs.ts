// The Studio's views, in the order of the tab bar (Alt+1 is the first).
export const TABS = [
  { id: 'targets', label: 'Targets' },
  { id: 'composer', label: 'Composer' },
  { id: 'traffic', label: 'Traffic' },
  { id: 'protocols', label: 'Protocols' },
  { id: 'captures', label: 'Captures' },
  { id: 'replay', label: 'Replay' },
  { id: 'scripts', label: 'Scripts' },
  { id: 'tests', label: 'Tests' },
  { id: 'rules', label: 'Rules' },
  { id: 'fuzz', label: 'Fuzz' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

export function isTabId(v: unknown): v is TabId {
  return TABS.some((t) => t.id === v);
}
