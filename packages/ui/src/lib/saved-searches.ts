/**
 * Saved searches, kept in the browser (localStorage): a name and the search's URL
 * state. A saved search is also just a link, so it can be shared as one.
 */
export interface SavedSearch {
  readonly name: string;
  readonly signal: string;
  readonly query: string;
  readonly language: string;
  readonly from: string;
  readonly to: string;
  readonly columns?: string;
}

const KEY = 'spyglass.savedSearches';

export function listSavedSearches(storage: Pick<Storage, 'getItem'> = localStorage): SavedSearch[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? (parsed as SavedSearch[]).filter((s) => typeof s?.name === 'string') : [];
  } catch {
    return [];
  }
}

/** Saves (replacing one of the same name) and returns the new list, sorted by name. */
export function saveSearch(
  search: SavedSearch,
  storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage,
): SavedSearch[] {
  const list = listSavedSearches(storage).filter((s) => s.name !== search.name);
  list.push(search);
  list.sort((a, b) => a.name.localeCompare(b.name));
  storage.setItem(KEY, JSON.stringify(list));
  return list;
}

export function deleteSavedSearch(
  name: string,
  storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage,
): SavedSearch[] {
  const list = listSavedSearches(storage).filter((s) => s.name !== name);
  storage.setItem(KEY, JSON.stringify(list));
  return list;
}
