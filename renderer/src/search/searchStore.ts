import { create } from 'zustand';
import type { SearchResults } from '../../../shared/api';
import { call } from '../api/client';

interface SearchState {
  text: string;
  results: SearchResults | null;
  error: string | null;
  setText(text: string): void;
}

let latest = 0;

/** Results as you type: every keystroke queries; an older answer never replaces a newer one. */
export const useSearch = create<SearchState>((set) => ({
  text: '',
  results: null,
  error: null,
  setText(text) {
    set({ text });
    const ticket = ++latest;
    if (!text.trim()) {
      set({ results: null, error: null });
      return;
    }
    call('search.patients', { text })
      .then((results) => {
        if (ticket === latest) set({ results, error: null });
      })
      .catch((error: Error) => {
        if (ticket === latest) set({ error: error.message });
      });
  },
}));
