import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { searchPatients } from './searchService';

export function searchHandlers(ctx: AppContext): Pick<Handlers, 'search.patients'> {
  return {
    'search.patients': ({ text, limit }) => searchPatients(ctx, text, limit),
  };
}
