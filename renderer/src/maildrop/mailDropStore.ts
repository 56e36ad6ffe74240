import { create } from 'zustand';
import type { MailDropItem, MailDropMessage } from '../../../shared/api';
import { call } from '../api/client';

interface MailDropState {
  items: MailDropItem[] | null;
  loading: boolean;
  error: string | null;
  /** The file chosen in the list, and its message once read. */
  selected: string | null;
  message: MailDropMessage | null;
  messageLoading: boolean;
  messageError: string | null;
  /** Reads the folder; `quiet` keeps the list on screen meanwhile (background refresh). */
  load(quiet?: boolean): Promise<void>;
  open(file: string): Promise<void>;
  /** Forgets the message read: each visit reads it afresh, as the one signed in may see it (PINs masked or not). */
  forgetMessage(): void;
}

/** Newest first: the email just "sent" is the one the clerk looks for. */
function newestFirst(items: MailDropItem[]): MailDropItem[] {
  return [...items].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.file.localeCompare(a.file));
}

let listRead = 0;
let messageRead = 0;

export const useMailDrop = create<MailDropState>((set, get) => ({
  items: null,
  loading: false,
  error: null,
  selected: null,
  message: null,
  messageLoading: false,
  messageError: null,
  async load(quiet = false) {
    const mine = ++listRead;
    set(quiet ? { loading: true } : { loading: true, error: null });
    try {
      const items = newestFirst(await call('mail.dropList', {}));
      if (mine !== listRead) return;
      const selected = get().selected;
      const stillThere = selected !== null && items.some((item) => item.file === selected);
      set({ items, loading: false, error: null, ...(stillThere ? {} : { selected: null, message: null, messageError: null }) });
    } catch (error) {
      if (mine === listRead) set({ loading: false, error: (error as Error).message });
    }
  },
  forgetMessage() {
    ++messageRead;
    set({ selected: null, message: null, messageLoading: false, messageError: null });
  },
  async open(file) {
    if (get().selected === file && (get().message?.file === file || get().messageLoading)) return;
    const mine = ++messageRead;
    set({ selected: file, messageLoading: true, messageError: null });
    try {
      const message = await call('mail.dropRead', { file });
      if (mine === messageRead) set({ message, messageLoading: false });
    } catch (error) {
      if (mine === messageRead) set({ message: null, messageLoading: false, messageError: (error as Error).message });
    }
  },
}));
