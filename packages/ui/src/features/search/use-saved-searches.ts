import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiPost } from '../../api/api-client.ts';

/** A search saved under a name, shared by everyone using this Spyglass (stored by the API). */
export interface SavedSearch {
  readonly name: string;
  readonly signal: string;
  readonly query: string;
  readonly language: string;
  readonly from: string;
  readonly to: string;
  readonly columns?: string;
}

const KEY = ['saved-searches'];

export function useSavedSearches() {
  const client = useQueryClient();
  const list = useQuery({
    queryKey: KEY,
    queryFn: ({ signal }) => apiGet<{ savedSearches: SavedSearch[] }>('/api/v1/saved-searches', {}, signal),
  });
  const save = useMutation({
    mutationFn: ({ name, ...search }: SavedSearch) =>
      apiPost<SavedSearch>(`/api/v1/saved-searches/${encodeURIComponent(name)}`, search, undefined, 'PUT'),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
  const remove = useMutation({
    mutationFn: (name: string) =>
      apiPost<void>(`/api/v1/saved-searches/${encodeURIComponent(name)}`, undefined, undefined, 'DELETE'),
    onSuccess: () => client.invalidateQueries({ queryKey: KEY }),
  });
  return { list, save, remove };
}
