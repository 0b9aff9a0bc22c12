// `lab new <kind> <name>` as a function: the scaffold's newItem, which writes
// the kind's template (never overwriting) and returns what it wrote.
export { newItem, newKinds } from '../scaffold/new-item.ts';
export type { NewItemOptions, NewItemResult, NewKind } from '../scaffold/new-item.ts';
